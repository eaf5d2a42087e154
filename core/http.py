"""Small HTTP helpers shared by the views (follows, reports, the conversation), and the
one reading of the client's address (`client_ip`)."""

import ipaddress
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

MAX_ID = 2**63 - 1  # the largest bigint: a larger "id" would be a database error, not a 404


def form_id(value) -> int | None:
    """An object id typed into a form or query string: a positive whole number that fits
    the id column, else None (so "abc", "1 OR 1=1" and 10**30 are all just "no such")."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or not text.isascii():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class IdConverter:
    """`<id:name>` in a URL: an object id, at most 18 digits. Django's `<int:>` takes any
    number of digits, and an id past the column's range is a database error (a 500) rather
    than the 404 any other unknown id gets."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(request, default: str) -> str:
    """The POSTed `next` if it points at this site, else `default`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def login_redirect(request, next_url: str) -> HttpResponse:
    """Send a signed-out visitor to sign in, then back to `next_url` (htmx too)."""
    login_url = f"{reverse('account_login')}?{urlencode({'next': next_url})}"
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login_url
        return response
    return redirect(login_url)


def follow_action(request, *, follow: Callable, unfollow: Callable, followed: str, unfollowed: str):
    """Apply a POSTed action=follow|unfollow: (action, error, notice) for the page."""
    action = request.POST.get("action", "")
    try:
        if action == "follow":
            follow()
            return action, "", followed
        if action == "unfollow":
            unfollow()
            return action, "", unfollowed
        return action, "Choose to follow or unfollow.", ""
    except ValidationError as exc:
        return action, " ".join(exc.messages), ""


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse_ip(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client reaching an IPv6 socket shows as ::ffff:a.b.c.d: one client, one key.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8)
def _trusted_networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _is_trusted_proxy(address: IPAddress) -> bool:
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    return any(address in network for network in networks)


def client_ip(request) -> str:
    """The client's address: every rate limit and visitor count reads it here.

    REMOTE_ADDR is the peer that connected to us. Only when that peer is one of
    settings.TRUSTED_PROXIES is X-Forwarded-For believed, and then only the part our
    proxies wrote: walking it from the right, each trusted proxy names the address it
    got the request from, and the first address that is not a trusted proxy is the
    client. Anything left of it was written by the client and is ignored, so a forged
    header cannot pick someone else's limit. An entry that is not an IP address ends
    the walk at the last address we could trust. "" when REMOTE_ADDR is missing.
    """
    remote = _parse_ip(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return ""
    client = remote
    if _is_trusted_proxy(remote):
        for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
            address = _parse_ip(hop)
            if address is None:
                break
            client = address
            if not _is_trusted_proxy(address):
                break
    return str(client)
