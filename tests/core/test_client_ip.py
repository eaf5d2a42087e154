"""The client's address behind proxies: one setting, one function, every limit keyed on it."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from core.http import client_ip
from core.ratelimits import Rate, rate_limit_consume
from tests.factories import PASSWORD, UserFactory

PROXY = "10.0.0.5"


def _request(remote_addr="203.0.113.7", xff=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    request = RequestFactory().get("/", **extra)
    request.user = AnonymousUser()
    return request


def test_without_trusted_proxies_the_peer_is_the_client_and_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("203.0.113.7", xff="198.51.100.1")) == "203.0.113.7"


def test_a_client_that_is_not_a_trusted_proxy_cannot_spoof_its_address(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    # It connects directly and claims to be someone else (or the proxy itself).
    assert client_ip(_request("203.0.113.7", xff="198.51.100.1")) == "203.0.113.7"
    assert client_ip(_request("203.0.113.7", xff=PROXY)) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_client(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_ip(_request(PROXY, xff="198.51.100.1")) == "198.51.100.1"


def test_what_the_client_wrote_left_of_our_proxies_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The client sent "X-Forwarded-For: 1.2.3.4"; the CDN edge (10.1.1.1) appended the
    # client's real address, the load balancer (10.0.0.5) appended the edge's.
    request = _request(PROXY, xff="1.2.3.4, 198.51.100.1, 10.1.1.1")
    assert client_ip(request) == "198.51.100.1"


def test_a_chain_of_only_trusted_proxies_gives_the_furthest_one(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request(PROXY, xff="10.2.2.2, 10.1.1.1")) == "10.2.2.2"


@pytest.mark.parametrize(
    ("xff", "expected"),
    [
        ("", PROXY),  # a trusted proxy that forwarded nothing is the client itself
        ("not-an-ip", PROXY),
        ("198.51.100.1:4711", PROXY),  # ports are not addresses
        ("198.51.100.1, <script>", PROXY),  # garbage at the right: stop at the proxy
        ("<script>, 198.51.100.1", "198.51.100.1"),  # garbage left of the client: ignored
        (" 2001:db8::1 ", "2001:db8::1"),
        ("::ffff:198.51.100.1", "198.51.100.1"),  # IPv4 seen through an IPv6 socket
    ],
)
def test_bad_or_unusual_forwarded_values(settings, xff, expected):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_ip(_request(PROXY, xff=xff)) == expected


def test_a_peer_address_that_is_not_an_ip_gives_no_address(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_ip(_request("unix:/run/gunicorn.sock", xff="198.51.100.1")) == ""


def test_two_clients_behind_one_proxy_have_their_own_rate_limits(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    rate = Rate(count=3, seconds=3600)
    first = [
        rate_limit_consume(request=_request(PROXY, xff="198.51.100.1"), action="t", rate=rate)
        for _ in range(4)
    ]
    assert first[:3] == [0, 0, 0] and first[3] > 0  # the fourth is refused
    # Another client through the same proxy is not: before, both were REMOTE_ADDR=proxy.
    assert not rate_limit_consume(
        request=_request(PROXY, xff="198.51.100.2"), action="t", rate=rate
    )
    # Nor can the first client escape its limit by naming another address itself.
    spoofed = _request(PROXY, xff="198.51.100.99, 198.51.100.1")
    assert rate_limit_consume(request=spoofed, action="t", rate=rate) > 0


@pytest.mark.django_db
def test_sign_in_limits_behind_a_proxy_are_per_client(settings, client):
    """allauth's limits read the same address (the account adapter's get_client_ip)."""
    settings.TRUSTED_PROXIES = [PROXY]
    owner = UserFactory()
    login = reverse("account_login")
    for n in range(10):  # "login_failed_ip": 10 wrong passwords a minute per address
        client.post(
            login,
            {"login": f"someone{n}@example.com", "password": "wrong"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )
    refused = client.post(
        login,
        {"login": owner.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert "Too many failed login attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    response = client.post(
        login,
        {"login": owner.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_nothing_else_reads_the_client_address_from_the_request():
    """A new limit or counter that read REMOTE_ADDR or X-Forwarded-For itself would be
    spoofable (or shared by everyone behind the proxy): it must call client_ip."""
    root = Path(__file__).resolve().parents[2]
    reads = re.compile(r"""["'](REMOTE_ADDR|HTTP_X_FORWARDED_FOR|X-Forwarded-For)["']""", re.I)
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for package in ("core", "creators", "shops", "reviews", "relcommerce")
        for path in sorted((root / package).rglob("*.py"))
        if path != root / "core" / "http.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if reads.search(line)
    ]
    assert found == [], "read the client's address with core.http.client_ip:\n" + "\n".join(found)
