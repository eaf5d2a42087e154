"""allauth's account adapter (settings.ACCOUNT_ADAPTER): the client's address and the
limits on wrong passwords.

allauth's own `login_failed` limit counts wrong passwords per account from anyone, so
anyone who knows an email could lock its owner out. Here a wrong password counts against
the account *from that client address* ("login_failed_client": the owner elsewhere still
signs in) and against the address across all accounts ("login_failed_ip"); an optional
ceiling per account from everywhere ("login_failed_account", off by default) brakes a
guess spread over many addresses. The rates are ACCOUNT_RATE_LIMITS entries, counted by
allauth's rate-limit store (the cache, kept per process while Redis is down).

allauth's `login_failed` stays as it is for what it also counts: wrong two-factor codes
(per account, after the right password).
"""

import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import ratelimit
from django.core.exceptions import PermissionDenied

from core.http import client_ip


def _client_network(address: str) -> str:
    """An IPv6 client owns its /64 (allauth's limits key on it too), IPv4 one address."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return address


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        """allauth's limits key on the same address as ours (core.http.client_ip)."""
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def _password_limits(self, request, credentials) -> list[tuple[str, str | None]]:
        """(action, key) of each limit a wrong password counts against."""
        email = (credentials.get("email") or "").strip().lower()
        client = _client_network(self.get_client_ip(request))
        return [
            ("login_failed_client", f"{email}|{client}"),
            ("login_failed_ip", None),  # its rates are "/ip": allauth keys them on the address
            ("login_failed_account", email),
        ]

    def pre_authenticate(self, request, **credentials) -> None:
        """Refuse the attempt, before the password is checked, past any limit."""
        for action, key in self._password_limits(request, credentials):
            if not ratelimit.consume(request, action=action, key=key, dry_run=True):
                raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request, **credentials) -> None:
        """Count a wrong password (a right one counts nothing)."""
        for action, key in self._password_limits(request, credentials):
            ratelimit.consume(request, action=action, key=key)
