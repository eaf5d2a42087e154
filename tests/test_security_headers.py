"""The security headers are on every kind of response, and no template needs the policy
loosened.

Content-Security-Policy (enforced), Permissions-Policy, X-Frame-Options, nosniff and
Referrer-Policy must reach every response: pages, replayed cached pages (anonymous and
signed in), redirects, htmx fragments, error pages (403/404/429/500), /healthz, static
files, media, CSV exports. The browser journeys (tests/e2e) then prove the enforced
policy breaks nothing: their harness fails a test on any CSP violation.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PostFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def assert_secured(response):
    """The headers every response of the site carries."""
    assert "Content-Security-Policy-Report-Only" not in response  # enforced, not a trial
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & {v for vs in csp.values() for v in vs}
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.fixture
def shop_world(creator):
    product = ProductFactory(shop=creator.shop, title="Speckled mug", price=Decimal("24.00"))
    post = PostFactory(creator=creator.user)
    return {"creator": creator, "product": product, "post": post}


def _routes(world) -> dict[str, str]:
    handle = world["creator"].handle
    return {
        "home": reverse("home"),
        "catalog": reverse("catalog"),
        "creators": reverse("creators:list"),
        "creator page": reverse("creators:detail", args=[handle]),
        "post page": reverse("creators:post", args=[handle, world["post"].pk]),
        "product page": reverse("shops:product", args=[handle, world["product"].slug]),
        "cart": reverse("shops:cart"),
        "sign in": reverse("account_login"),
        "sign up": reverse("account_signup"),
        "admin sign in": reverse("admin:login"),
        "healthz": reverse("healthz"),
        "not found": "/no-such-page/",
    }


@pytest.mark.parametrize("who", ["anonymous", "fan", "creator"])
def test_every_page_carries_the_headers(shop_world, who, client):
    if who != "anonymous":
        client.force_login(UserFactory() if who == "fan" else shop_world["creator"].user)
    signed_in = {
        "account": reverse("creators:account"),
        "orders": reverse("shops:order_list"),
        "email settings (allauth)": reverse("account_email"),
    }
    routes = _routes(shop_world) | (signed_in if who != "anonymous" else {})
    if who == "creator":
        routes |= {
            "studio": reverse("creators:studio"),
            "studio orders": reverse("shops:studio_orders"),
            "orders CSV": reverse("shops:studio_orders_csv"),
        }
    seen = set()
    for name, url in routes.items():
        response = client.get(url)
        seen.add(response.status_code)
        try:
            assert_secured(response)
        except (AssertionError, KeyError) as failed:
            raise AssertionError(f"{name} ({url}): {failed!r}") from failed
    assert {200, 404} <= seen


def test_a_pending_email_change_page_needs_no_inline_style(client):
    """allauth's page hides its re-send form with style="display: none"; ours (an
    override in templates/account/) uses the hidden attribute, which the policy allows."""
    from allauth.account.models import EmailAddress

    user = UserFactory(email="lena@example.com")
    EmailAddress.objects.create(user=user, email="lena@new.example.com", verified=False)
    client.force_login(user)
    response = client.get(reverse("account_email"))
    page = response.content.decode()
    assert "lena@new.example.com" in page and "pending verification" in page
    assert re.search(r'<form hidden\s+id="pending-email"', page)
    assert not re.search(r"<[a-z][^>]*\sstyle\s*=", page, re.I)
    assert_secured(response)


def test_redirects_and_sign_in_prompts_carry_the_headers(client):
    response = client.get(reverse("creators:account"))
    assert response.status_code == 302
    assert_secured(response)


def test_a_refused_post_carries_the_headers():
    """403: a POST without its CSRF token."""
    response = Client(enforce_csrf_checks=True).post(reverse("account_login"), {})
    assert response.status_code == 403
    assert_secured(response)


def test_a_rate_limited_answer_carries_the_headers(fan_client, settings):
    settings.ROOT_URLCONF = "tests.security_urls"
    assert fan_client.post("/limited/").status_code == 200
    response = fan_client.post("/limited/")
    assert response.status_code == 429
    assert "Slow down a little" in response.content.decode()
    assert_secured(response)


def test_an_htmx_fragment_carries_the_headers(fan_client, creator):
    url = reverse("creators:follow", args=[creator.handle])
    response = fan_client.post(url, {"action": "follow"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Following" in response.content.decode()
    assert_secured(response)


def test_a_server_error_page_carries_the_headers(settings):
    """500: whatever fails inside, the error page still leaves with every header."""
    settings.ROOT_URLCONF = "tests.security_urls"
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert_secured(response)


def test_uploaded_media_carries_the_headers(client, settings):
    folder = Path(settings.MEDIA_ROOT) / "avatars"
    folder.mkdir(parents=True)
    (folder / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    response = client.get(f"{settings.MEDIA_URL}avatars/a.png")
    assert response.status_code == 200
    assert_secured(response)


def test_static_files_served_by_whitenoise_carry_the_headers(settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    # A new client builds a new middleware chain: a WhiteNoise that reads these settings.
    response = Client().get(f"{settings.STATIC_URL}js/htmx.min.js")
    assert response.status_code == 200
    assert type(response).__module__.startswith("whitenoise")  # not a Django view
    assert_secured(response)


@pytest.mark.page_cache
@pytest.mark.django_db(transaction=True)
def test_replayed_cached_pages_carry_the_headers():
    """Plain visitors' hits are answered before most of the middleware, signed-in hits by
    the view's decorator: both still leave with every header."""
    product = ProductFactory(title="Speckled mug", price=Decimal("24.00"))
    handle = product.shop.creator.handle
    for url in (
        reverse("home"),
        reverse("catalog"),
        reverse("creators:detail", args=[handle]),
        reverse("shops:product", args=[handle, product.slug]),
    ):
        first, again = Client().get(url), Client().get(url)
        assert (first["X-Page-Cache"], again["X-Page-Cache"]) == ("miss", "hit"), url
        assert_secured(first)
        assert_secured(again)
        signed_in = Client()
        signed_in.force_login(UserFactory())
        response = signed_in.get(url)
        assert response["X-Page-Cache"] == "hit", url
        assert_secured(response)


# What the policy forbids, as it would appear in a template. Emails are exempt: they
# are read in mail clients, not served under the site's policy.
FORBIDDEN = {
    "inline <script> (use a file under static/js/)": re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I
    ),
    "inline event handler (bind it in a static script)": re.compile(
        r"<[a-z][^>]*\son[a-z]+\s*=", re.I
    ),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "style= attribute (use a class in static/css/site.css)": re.compile(
        r"<[a-z][^>]*\sstyle\s*=", re.I
    ),
    "<style> block (use static/css/site.css)": re.compile(r"<style[\s>]", re.I),
    "htmx hx-on (an inline handler)": re.compile(r"\shx-on[:-]", re.I),
}


COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)


def test_no_template_needs_the_policy_loosened():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if "email" in path.relative_to(TEMPLATES).parts:
            continue
        # Template comments never reach the page.
        text = COMMENT.sub(lambda m: "\n" * m.group().count("\n"), path.read_text("utf-8"))
        for what, pattern in FORBIDDEN.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert not found, "The Content-Security-Policy blocks these:\n" + "\n".join(found)


def test_the_guard_above_catches_what_it_says():
    """The patterns must match the mistakes they exist for, and not their fixes."""
    caught = {
        "<script>alert(1)</script>": "inline <script>",
        '<button onclick="go()">': "inline event handler",
        '<a href="javascript:history.back()">': "javascript:",
        '<span style="width: 5%">': "style=",
        "<style>.a{}</style>": "<style>",
        '<form hx-on:submit="x()">': "hx-on",
    }
    for snippet, kind in caught.items():
        assert any(kind in what and p.search(snippet) for what, p in FORBIDDEN.items()), snippet
    for fine in (
        '<script src="/static/js/copy.js" defer></script>',
        '<script type="application/json">{}</script>',
        '<button data-copy-target="x">',
        '<a class="button" href="/">',
    ):
        assert not any(p.search(fine) for p in FORBIDDEN.values()), fine


def test_media_or_static_on_another_host_is_allowed_by_origin_only():
    """An absolute MEDIA_URL/STATIC_URL (object storage, a CDN) adds its origin to the
    policy's sources — never a path, never a wildcard; a relative one adds nothing."""
    from relcommerce.settings import _origin

    assert _origin("https://media.example-cdn.com/shop/media/") == ["https://media.example-cdn.com"]
    assert _origin("/media/") == []
    assert _origin("media/") == []
