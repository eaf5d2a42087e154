"""Share links: a fan's own short link, visits through it, and the purchases it is
credited with (attribution window, last share wins, no self-referral, bots, tampering)."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from creators.models import EngagementEvent, EventKind, PostStatus
from creators.posts import post_create
from shops import referrals
from shops.cart import cart_add
from shops.checkout import order_place
from shops.models import Cart, Order, ProductStatus, ShareLink
from shops.orders import order_mark_paid
from shops.payments import PAYMENT_PROVIDERS
from tests.factories import ADDRESS_FORM as ADDRESS
from tests.factories import CARD_FORM as CARD
from tests.factories import ProductFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"


@pytest.fixture
def mug():
    shop = ShopFactory(creator__handle="ana_makes", creator__display_name="Ana Makes")
    return ProductFactory(shop=shop, title="Speckled mug", price=Decimal("24.00"), stock=50)


@pytest.fixture
def ana(db):
    return UserFactory(email="ana.fan@example.com", name="Ana Fan")


@pytest.fixture
def ana_link(ana, mug):
    return referrals.share_link_get_or_create(sharer=ana, target=mug)


def browser(user=None) -> Client:
    client = Client(HTTP_USER_AGENT=BROWSER)
    if user is not None:
        client.force_login(user)
    return client


def buy(client, user, *products):
    """Put the products in the fan's cart and check out through the pages (test card)."""
    cart, _ = Cart.objects.get_or_create(user=user)
    for product in products:
        cart_add(cart=cart, product_id=product.pk, quantity=1)
    data = {"email": user.email, "idempotency_key": str(uuid.uuid4()), **ADDRESS, **CARD}
    response = client.post("/checkout/", {**data, "step": "place"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "/checkout/done/" in response["Location"]
    return list(Order.objects.filter(buyer=user).order_by("id"))


def visits(kind=EventKind.SHARE_VISIT):
    return EngagementEvent.objects.filter(kind=kind)


def later(monkeypatch, **delta):
    moment = timezone.now() + timedelta(**delta)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


# --- Getting a link ----------------------------------------------------------------------


def test_a_signed_in_fan_gets_one_stable_unguessable_link_per_product(ana, mug):
    client = browser(ana)
    first = client.post("/share/", {"kind": "product", "target": mug.pk}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    link = ShareLink.objects.get(sharer=ana, product=mug)
    assert re.fullmatch(r"[0-9A-Za-z]{10}", link.code)
    page = first.content.decode()
    assert f"http://testserver/r/{link.code}" in page
    assert "Copy link" in page and 'data-copy-target="share-product-' in page
    # The usual places to share, as plain links carrying the fan's link.
    quoted = f"http%3A%2F%2Ftestserver%2Fr%2F{link.code}"
    for target in ("mailto:?subject=", "twitter.com/intent/tweet", "facebook.com/sharer"):
        assert target in page
    assert f"https://wa.me/?text=Speckled%20mug%20{quoted}" in page
    assert "<script" not in page  # no third-party scripts

    again = client.post("/share/", {"kind": "product", "target": mug.pk})  # without htmx
    assert again.status_code == 200
    assert f"/r/{link.code}" in again.content.decode()
    assert "<h1>Share “Speckled mug”</h1>" in again.content.decode()
    assert ShareLink.objects.filter(sharer=ana).count() == 1


def test_two_fans_get_different_links(ana, mug):
    other = UserFactory()
    one = referrals.share_link_get_or_create(sharer=ana, target=mug)
    two = referrals.share_link_get_or_create(sharer=other, target=mug)
    assert one.code != two.code


def test_a_visitor_gets_the_page_address_and_an_invitation_to_sign_in(mug):
    response = browser().post("/share/", {"kind": "product", "target": mug.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="http://testserver/@ana_makes/p/' in page
    assert "/r/" not in page
    assert "Sign in</a> to get your own link" in page
    assert ShareLink.objects.count() == 0


def test_a_post_can_be_shared(ana, mug):
    post = post_create(author=mug.shop.creator.user, body="New glazes are in!", action="publish")
    response = browser(ana).post("/share/", {"kind": "post", "target": post.pk})
    link = ShareLink.objects.get(sharer=ana, post=post)
    assert f"/r/{link.code}" in response.content.decode()
    assert link.creator == mug.shop.creator
    landed = browser().get(f"/r/{link.code}")
    assert landed["Location"] == f"/@ana_makes/posts/{post.pk}/"
    assert visits().get().creator == mug.shop.creator


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "product", "target": "999999"},
        {"kind": "product", "target": "not-a-number"},
        {"kind": "order", "target": "1"},
        {},
    ],
)
def test_nothing_to_share_is_a_404(ana, mug, data):
    assert browser(ana).post("/share/", data).status_code == 404
    assert ShareLink.objects.count() == 0


def test_a_draft_product_cannot_be_shared(ana, mug):
    mug.status = ProductStatus.DRAFT
    mug.save()
    assert browser(ana).post("/share/", {"kind": "product", "target": mug.pk}).status_code == 404


def test_sharing_needs_a_post_request_with_a_csrf_token(ana, mug):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ana)
    assert client.post("/share/", {"kind": "product", "target": mug.pk}).status_code == 403
    assert client.get("/share/").status_code == 405


# --- Visits ------------------------------------------------------------------------------


def test_a_visit_lands_on_the_product_counts_for_the_sharer_and_sets_the_cookie(ana_link, mug):
    response = browser().get(f"/r/{ana_link.code}")
    assert response.status_code == 302
    assert response["Location"] == mug.get_absolute_url()
    assert referrals.COOKIE_NAME in response.cookies
    cookie = response.cookies[referrals.COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 7 * 24 * 3600
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    ana_link.refresh_from_db()
    assert ana_link.visits == 1
    event = visits().get()
    assert (event.actor, event.creator) == (ana_link.sharer, mug.shop.creator)
    assert event.target == mug
    assert event.payload["link_id"] == ana_link.pk and event.payload["visitor_id"] is None


def test_the_short_link_works_with_a_trailing_slash(ana_link, mug):
    assert browser().get(f"/r/{ana_link.code}/")["Location"] == mug.get_absolute_url()


def test_refreshing_counts_once_a_day_per_visitor_but_a_new_day_counts_again(ana_link, monkeypatch):
    client = browser()
    for _ in range(3):
        response = client.get(f"/r/{ana_link.code}")
        assert referrals.COOKIE_NAME in response.cookies  # still attributed
    another = browser(UserFactory())
    another.get(f"/r/{ana_link.code}")
    ana_link.refresh_from_db()
    assert ana_link.visits == 2
    later(monkeypatch, days=1)
    client.get(f"/r/{ana_link.code}")
    ana_link.refresh_from_db()
    assert ana_link.visits == 3
    assert visits().count() == 3


def test_the_sharers_own_visit_neither_counts_nor_sets_the_cookie(ana_link, mug):
    response = browser(ana_link.sharer).get(f"/r/{ana_link.code}")
    assert response["Location"] == mug.get_absolute_url()
    assert referrals.COOKIE_NAME not in response.cookies
    ana_link.refresh_from_db()
    assert ana_link.visits == 0 and not visits().exists()


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Twitterbot/1.0",
        "WhatsApp/2.23.20.0 A",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "curl/8.5.0",
        "python-requests/2.32.3",
    ],
)
def test_bots_and_link_previews_do_not_count_but_still_land(ana_link, mug, agent):
    response = Client(HTTP_USER_AGENT=agent).get(f"/r/{ana_link.code}")
    assert response["Location"] == mug.get_absolute_url()
    assert referrals.COOKIE_NAME not in response.cookies
    ana_link.refresh_from_db()
    assert ana_link.visits == 0 and not visits().exists()


@pytest.mark.parametrize("code", ["AAAAAAAAAA", "short", "x" * 16, "abc-def"])
def test_an_unknown_or_forged_code_is_a_404_page(ana_link, code):
    response = browser().get(f"/r/{code}")
    assert response.status_code == 404
    assert referrals.COOKIE_NAME not in response.cookies


def test_a_link_to_a_product_no_longer_on_sale_lands_on_the_creators_page_uncounted(ana_link, mug):
    mug.status = ProductStatus.ARCHIVED
    mug.save()
    response = browser().get(f"/r/{ana_link.code}")
    assert response["Location"] == "/@ana_makes/"
    assert referrals.COOKIE_NAME not in response.cookies
    assert not visits().exists()


# --- Purchases ---------------------------------------------------------------------------


def test_a_purchase_after_a_visit_is_credited_to_the_sharer(ana_link, mug):
    bea = UserFactory(email="bea@example.com")
    client = browser()
    client.get(f"/r/{ana_link.code}")
    client.force_login(bea)  # Bea signs in (or up) after arriving
    [order] = buy(client, bea, mug)

    assert order.referral == ana_link
    ana_link.refresh_from_db()
    assert (ana_link.visits, ana_link.purchases) == (1, 1)
    event = EngagementEvent.objects.get(kind=EventKind.REFERRAL_PURCHASE)
    assert (event.actor, event.creator, event.target) == (ana_link.sharer, mug.shop.creator, order)
    assert event.payload == {
        "order": order.number,
        "amount": str(order.total),
        "currency": "EUR",
        "buyer_id": bea.pk,
        "sharer_id": ana_link.sharer_id,
        "link_id": ana_link.pk,
        "target": "product",
    }


def test_inside_the_window_credits_outside_does_not(ana_link, mug, monkeypatch, settings):
    settings.REFERRAL_WINDOW_DAYS = 7
    inside, outside = UserFactory(), UserFactory()
    for fan, days in ((inside, 6.9), (outside, 7.1)):
        client = browser(fan)
        monkeypatch.undo()
        client.get(f"/r/{ana_link.code}")  # visit now…
        later(monkeypatch, days=days)  # …buy this many days later
        [order] = buy(client, fan, mug)
        assert (order.referral == ana_link) is (fan == inside), days
    ana_link.refresh_from_db()
    assert ana_link.purchases == 1


def test_the_window_is_configurable(ana_link, mug, monkeypatch, settings):
    settings.REFERRAL_WINDOW_DAYS = 30
    fan = UserFactory()
    client = browser(fan)
    client.get(f"/r/{ana_link.code}")
    later(monkeypatch, days=20)
    client.force_login(fan)  # the two-week session has expired; the link's cookie has not
    [order] = buy(client, fan, mug)
    assert order.referral == ana_link


def test_the_last_share_visited_wins(ana_link, mug):
    cleo = UserFactory(name="Cleo")
    cleo_link = referrals.share_link_get_or_create(sharer=cleo, target=mug)
    bea = UserFactory()
    client = browser(bea)
    client.get(f"/r/{ana_link.code}")
    client.get(f"/r/{cleo_link.code}")
    [order] = buy(client, bea, mug)
    assert order.referral == cleo_link
    ana_link.refresh_from_db()
    cleo_link.refresh_from_db()
    assert (ana_link.visits, ana_link.purchases) == (1, 0)
    assert (cleo_link.visits, cleo_link.purchases) == (1, 1)


def test_buying_through_your_own_link_gives_no_credit(ana_link, mug, ana):
    client = browser(ana)
    client.get(f"/r/{ana_link.code}")
    [order] = buy(client, ana, mug)
    assert order.referral is None
    # Even with the link handed straight to checkout (a cookie from another device).
    cart = Cart.objects.get(user=ana)
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    checkout = order_place(
        buyer=ana,
        cart=cart,
        email=ana.email,
        address=_address(),
        provider=PAYMENT_PROVIDERS["test"],
        payment_data={"card_number": "4242424242424242", "card_expiry": "12/99", "card_cvc": "123"},
        idempotency_key=uuid.uuid4(),
        referral=ana_link,
    )
    assert checkout.orders.get().referral is None
    assert not EngagementEvent.objects.filter(kind=EventKind.REFERRAL_PURCHASE).exists()


def _address():
    from shops.checkout import Address

    return Address(
        name="Fan Person",
        line1="1 Clay Street",
        city="Lisbon",
        postal_code="1100-001",
        country="PT",
    )


def test_a_creator_sharing_their_own_product_is_not_credited(mug):
    link = referrals.share_link_get_or_create(sharer=mug.shop.creator.user, target=mug)
    bea = UserFactory()
    client = browser(bea)
    client.get(f"/r/{link.code}")
    [order] = buy(client, bea, mug)
    assert order.referral is None


def test_only_the_shared_creators_order_is_credited(ana_link, mug):
    scarf = ProductFactory(title="Wool scarf")
    bea = UserFactory()
    client = browser(bea)
    client.get(f"/r/{ana_link.code}")
    orders = buy(client, bea, mug, scarf)
    credited = {order.shop_id: order.referral for order in orders}
    assert credited == {mug.shop_id: ana_link, scarf.shop_id: None}


@pytest.mark.parametrize("tamper", ["flip", "garbage", "other-salt", "link-swap"])
def test_a_tampered_cookie_is_ignored_and_checkout_still_works(ana_link, mug, tamper):
    from django.core import signing

    cleo_link = referrals.share_link_get_or_create(sharer=UserFactory(), target=mug)
    bea = UserFactory()
    client = browser(bea)
    client.get(f"/r/{ana_link.code}")
    value = client.cookies[referrals.COOKIE_NAME].value
    stamp = int(timezone.now().timestamp())
    client.cookies[referrals.COOKIE_NAME] = {
        "flip": value[:-1] + ("A" if value[-1] != "A" else "B"),
        "garbage": "not even close",
        "other-salt": signing.Signer(salt="something.else").sign(f"{cleo_link.pk}:{stamp}"),
        "link-swap": value.replace(f"{ana_link.pk}:", f"{cleo_link.pk}:", 1),
    }[tamper]
    [order] = buy(client, bea, mug)
    assert order.referral is None
    assert client.get(mug.get_absolute_url()).status_code == 200


def test_manual_payment_is_credited_when_the_order_is_paid(ana_link, mug):
    bea = UserFactory()
    client = browser(bea)
    client.get(f"/r/{ana_link.code}")
    cart, _ = Cart.objects.get_or_create(user=bea)
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    data = {
        "email": bea.email,
        "idempotency_key": str(uuid.uuid4()),
        **ADDRESS,
        "payment_method": "manual",
        "step": "place",
    }
    assert client.post("/checkout/", data).status_code == 302
    order = Order.objects.get(buyer=bea)
    assert order.referral == ana_link
    assert not EngagementEvent.objects.filter(kind=EventKind.REFERRAL_PURCHASE).exists()
    order_mark_paid(order=order, by=mug.shop.creator.user)
    assert EngagementEvent.objects.filter(kind=EventKind.REFERRAL_PURCHASE).count() == 1
    ana_link.refresh_from_db()
    assert ana_link.purchases == 1


def test_a_suspended_sharer_gets_no_credit(ana_link, mug):
    ana_link.sharer.is_active = False
    ana_link.sharer.save()
    bea = UserFactory()
    client = browser(bea)
    response = client.get(f"/r/{ana_link.code}")
    assert response["Location"] == mug.get_absolute_url()
    assert referrals.COOKIE_NAME not in response.cookies
    [order] = buy(client, bea, mug)
    assert order.referral is None


def test_an_unpublished_post_link_lands_on_the_creators_page(ana, mug):
    post = post_create(author=mug.shop.creator.user, body="Soon", action="publish")
    link = referrals.share_link_get_or_create(sharer=ana, target=post)
    post.status = PostStatus.DRAFT
    post.save()
    assert browser().get(f"/r/{link.code}")["Location"] == "/@ana_makes/"
    assert not visits().exists()


def test_the_orders_admin_shows_who_referred_an_order(ana_link, mug, admin_client):
    bea = UserFactory()
    client = browser(bea)
    client.get(f"/r/{ana_link.code}")
    [order] = buy(client, bea, mug)
    page = admin_client.get(reverse("admin:shops_order_change", args=[order.pk]))
    assert ana_link.sharer.email in page.content.decode()
    listing = admin_client.get(reverse("admin:shops_sharelink_changelist"))
    assert ana_link.code in listing.content.decode()


@pytest.mark.parametrize("links", [0, 120])
def test_the_product_page_with_its_share_button_costs_the_same_however_many_shares(
    ana, mug, links, django_assert_max_num_queries
):
    for _ in range(links):
        link = referrals.share_link_get_or_create(sharer=UserFactory(), target=mug)
        ShareLink.objects.filter(pk=link.pk).update(visits=3, purchases=1)
    client = browser(ana)
    # The share button needs nothing from the database (the panel is fetched on press).
    # Session, user, the product, images, tags, more products, the questions' content type
    # and count, "is the fan blocked", the bell, "does the fan follow", the reviews
    # summary and the fan's own review, "people you follow bought this", the Save heart and
    # the reviewers' badges (with reviews): the product page's own queries for a signed-in fan.
    with django_assert_max_num_queries(14):
        response = client.get(mug.get_absolute_url())
    assert '<button type="submit" class="button button--secondary button--small">Share' in (
        response.content.decode()
    )


def test_one_visitor_cycling_through_many_links_stops_counting_after_the_hourly_limit(mug):
    links = [
        referrals.share_link_get_or_create(sharer=UserFactory(), target=mug) for _ in range(61)
    ]
    client = browser()
    responses = [client.get(f"/r/{link.code}") for link in links]
    assert all(r["Location"] == mug.get_absolute_url() for r in responses)
    assert referrals.COOKIE_NAME in responses[-1].cookies  # still lands and attributes
    assert visits().count() == 60
