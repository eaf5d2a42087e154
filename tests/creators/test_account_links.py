"""The header's Sign in / Sign up links bring a visitor back to the page they were on."""

import html
import re

import pytest
from django.core import mail
from django.test import Client

from tests.factories import PASSWORD, ProductFactory

pytestmark = pytest.mark.django_db


def _header_links(page: str) -> dict[str, str]:
    header = page.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    links = re.findall(r'<a (?:class="[^"]*" )?href="([^"]*)"[^>]*>(Sign in|Sign up)</a>', header)
    return {label: html.unescape(href) for href, label in links}


def _footer_links(page: str) -> dict[str, str]:
    footer = page.split('<footer class="site-footer">', 1)[1]
    links = re.findall(r'<a href="([^"]*)">(Sign in|Create an account)</a>', footer)
    return {label: html.unescape(href) for href, label in links}


def test_product_page_links_keep_the_page(client):
    product = ProductFactory(slug="speckled-mug")
    url = product.get_absolute_url()
    page = client.get(url).content.decode()
    assert _header_links(page) == {
        "Sign in": f"/accounts/login/?next={url}",
        "Sign up": f"/accounts/signup/?next={url}",
    }
    assert _footer_links(page) == {
        "Sign in": f"/accounts/login/?next={url}",
        "Create an account": f"/accounts/signup/?next={url}",
    }


def test_query_string_is_kept_and_url_encoded(client):
    page = client.get("/shop/", {"q": "mug & bowl", "tag": "gift"}).content.decode()
    links = _header_links(page)
    assert links["Sign up"] == "/accounts/signup/?next=/shop/%3Fq%3Dmug%2B%2526%2Bbowl%26tag%3Dgift"
    assert links["Sign in"].startswith("/accounts/login/?next=/shop/%3Fq%3D")


def test_hostile_query_cannot_break_out_of_the_link(client):
    page = client.get("/cart/", {"x": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)" not in page
    assert _header_links(page)["Sign up"].startswith("/accounts/signup/?next=/cart/%3Fx%3D")


def test_auth_pages_do_not_point_back_at_themselves(client):
    page = client.get("/accounts/login/").content.decode()
    assert _header_links(page) == {"Sign in": "/accounts/login/", "Sign up": "/accounts/signup/"}


def test_auth_pages_pass_their_own_next_along_when_safe(client):
    page = client.get("/accounts/login/", {"next": "/cart/"}).content.decode()
    assert _header_links(page)["Sign up"] == "/accounts/signup/?next=/cart/"
    page = client.get("/accounts/login/", {"next": "https://evil.example/"}).content.decode()
    assert _header_links(page)["Sign up"] == "/accounts/signup/"


def test_signing_up_from_the_cart_comes_back_to_the_cart(client):
    # A visitor on the cart follows the header's "Sign up" link…
    signup_url = _header_links(client.get("/cart/").content.decode())["Sign up"]
    assert signup_url == "/accounts/signup/?next=/cart/"
    client.post(
        signup_url,
        {"email": "new.fan@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    # …verifies their address from the email, and lands back on the cart, signed in.
    confirm = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    response = client.post(confirm)
    assert response.status_code == 302 and response.url == "/cart/"
    assert client.get("/cart/").context["user"].email == "new.fan@example.com"


def test_signing_in_from_a_product_page_comes_back_to_it(client, fan):
    url = ProductFactory().get_absolute_url()
    login_url = _header_links(client.get(url).content.decode())["Sign in"]
    response = client.post(login_url, {"login": fan.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == url


@pytest.mark.page_cache
@pytest.mark.django_db(transaction=True)
def test_cached_pages_link_back_to_their_own_url():
    product = ProductFactory()
    url = product.get_absolute_url()
    for target in (url, f"{url}?ref=share", "/shop/?q=mug", "/shop/?q=bowl"):
        Client().get(target)  # stores the page
        replayed = Client().get(target)
        assert replayed["X-Page-Cache"] == "hit"
        expected = target.replace("?", "%3F").replace("=", "%3D")
        assert _header_links(replayed.content.decode())["Sign up"] == (
            f"/accounts/signup/?next={expected}"
        )
