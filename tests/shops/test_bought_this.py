""" "I bought this": the per-order choice, the product page's line and its privacy."""

import pytest
from django.urls import reverse

from creators.models import FanProfile
from shops import social_proof
from shops.models import Order
from tests.factories import (
    FanFollowFactory,
    FanProfileFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    UserFactory,
    paid_order_of,
)

pytestmark = pytest.mark.django_db


def public_fan(name):
    return FanProfileFactory(user__name=name).user


def line(client, product) -> str:
    page = client.get(product.get_absolute_url()).content.decode()
    start = page.find('class="bought-this"')
    return page[start : page.find("</p>", start)] if start >= 0 else ""


@pytest.fixture
def mug():
    return ProductFactory(title="Speckled mug")


# The switch ----------------------------------------------------------------------------------


def test_showing_is_off_by_default_and_the_buyer_switches_it(fan_client, fan, mug):
    order = paid_order_of(buyer=fan, product=mug)
    assert order.show_on_profile is False
    url = reverse("shops:order_show", args=[order.number])
    page = fan_client.get(reverse("shops:order_detail", args=[order.number])).content.decode()
    assert "Show this purchase on my public profile and to people who follow me" in page
    assert "Your profile is private, so it shows nowhere" in page

    response = fan_client.post(url, {"show": "1"}, follow=True)
    assert "is shown on your public profile" in response.content.decode()
    order.refresh_from_db()
    assert order.show_on_profile is True
    htmx = fan_client.post(url, {}, headers={"HX-Request": "true"})  # the box unticked
    assert htmx.status_code == 200 and "checked" not in htmx.content.decode()
    order.refresh_from_db()
    assert order.show_on_profile is False


def test_the_confirmation_page_offers_the_switch(fan_client, fan, mug):
    order = paid_order_of(buyer=fan, product=mug)
    page = fan_client.get(
        reverse("shops:checkout_done", args=[order.checkout.idempotency_key])
    ).content.decode()
    assert "Show this purchase on my public profile and to people who follow me" in page
    assert f'action="/orders/{order.number}/show/"' in page


def test_nobody_else_can_switch_an_order(client, fan, mug):
    order = paid_order_of(buyer=fan, product=mug)
    client.force_login(UserFactory())
    response = client.post(reverse("shops:order_show", args=[order.number]), {"show": "1"})
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.show_on_profile is False
    assert client.get(reverse("shops:order_show", args=[order.number])).status_code == 405


# The product page's line -----------------------------------------------------------------------


def test_only_public_opted_in_fans_are_named_and_everyone_is_counted(client, mug):
    ana, li = public_fan("Ana"), public_fan("Li")
    paid_order_of(buyer=ana, product=mug, show_on_profile=True)
    paid_order_of(buyer=li, product=mug, show_on_profile=True, status="delivered")
    private = FanProfileFactory(user__name="Private Pat", is_public=False).user
    paid_order_of(buyer=private, product=mug, show_on_profile=True)  # opted in, private
    quiet = public_fan("Quiet Quinn")
    paid_order_of(buyer=quiet, product=mug)  # public, but this order is not shown
    for _ in range(10):
        paid_order_of(buyer=UserFactory(), product=mug)
    paid_order_of(buyer=ana, product=mug, show_on_profile=True)  # a second order: one fan
    # Not bought: awaiting payment and cancelled orders.
    paid_order_of(buyer=public_fan("Waiting Wes"), product=mug, status="awaiting_payment",
                  show_on_profile=True)  # fmt: skip
    paid_order_of(buyer=public_fan("Cancelled Cy"), product=mug, status="cancelled",
                  show_on_profile=True)  # fmt: skip

    text = line(client, mug)
    assert ">Ana</a>" in text and ">Li</a>" in text and "and 12 other fans bought this" in text
    for hidden in ("Private Pat", "Quiet Quinn", "Waiting Wes", "Cancelled Cy"):
        assert hidden not in text
    assert f'href="/u/{ana.fan_profile.public_id}/"' in text


@pytest.mark.parametrize(
    ("named", "anonymous", "expected"),
    [
        (0, 0, None),
        (0, 1, "1 fan bought this"),
        (0, 5, "5 fans bought this"),
        (1, 0, ">Fan0</a> bought this"),
        (2, 0, ">Fan0</a> and <a"),
        (1, 1, "</a> and 1 other fan bought this"),
        (3, 2, "</a> and 3 other fans bought this"),
    ],
)
def test_the_line_reads_naturally(client, mug, named, anonymous, expected):
    from datetime import timedelta

    from django.utils import timezone

    for n in range(named):
        buyer = public_fan(f"Fan{n}")
        paid_order_of(buyer=buyer, product=mug, show_on_profile=True,
                      paid_at=timezone.now() - timedelta(minutes=n))  # fmt: skip
    for _ in range(anonymous):
        paid_order_of(buyer=UserFactory(), product=mug)
    text = line(client, mug)
    if expected is None:
        assert text == ""
    else:
        assert expected in text
        assert text.count("<a ") == min(named, social_proof.NAMES_SHOWN)


def test_a_fan_who_turns_private_or_is_deactivated_is_no_longer_named(client, mug):
    ana = public_fan("Ana")
    paid_order_of(buyer=ana, product=mug, show_on_profile=True)
    assert ">Ana</a> bought this" in line(client, mug)
    FanProfile.objects.filter(user=ana).update(is_public=False)
    assert line(client, mug).endswith("1 fan bought this")
    FanProfile.objects.filter(user=ana).update(is_public=True)
    ana.is_active = False
    ana.save()
    assert "Ana" not in line(client, mug) and "1 fan bought this" in line(client, mug)


def test_people_you_follow_counts_public_shown_purchases_only(client, mug):
    viewer = UserFactory()
    for name in ("Ana", "Li", "Mo"):
        buyer = public_fan(name)
        FanFollowFactory(follower=viewer, followed=buyer)
        paid_order_of(buyer=buyer, product=mug, show_on_profile=True)
    went_private = FanProfileFactory(is_public=False).user
    FanFollowFactory(follower=viewer, followed=went_private)
    paid_order_of(buyer=went_private, product=mug, show_on_profile=True)
    not_shown = public_fan("Nia")
    FanFollowFactory(follower=viewer, followed=not_shown)
    paid_order_of(buyer=not_shown, product=mug)
    public_fan_not_followed = public_fan("Zed")
    paid_order_of(buyer=public_fan_not_followed, product=mug, show_on_profile=True)

    client.force_login(viewer)
    page = client.get(mug.get_absolute_url()).content.decode()
    assert "3 people you follow</a> bought this" in page
    other = UserFactory()
    client.force_login(other)
    assert "bought-following" not in client.get(mug.get_absolute_url()).content.decode()
    client.logout()
    assert "bought-following" not in client.get(mug.get_absolute_url()).content.decode()


def test_one_person_you_follow(client, mug):
    viewer = UserFactory()
    ana = public_fan("Ana")
    FanFollowFactory(follower=viewer, followed=ana)
    paid_order_of(buyer=ana, product=mug, show_on_profile=True)
    client.force_login(viewer)
    assert (
        "1 person you follow</a> bought this" in client.get(mug.get_absolute_url()).content.decode()
    )


def _buyers(product, count, *, shown_every=3):
    """`count` buyers, every third public and opted in, with one order each (bulk)."""
    users = UserFactory.create_batch(count, verified=False)
    for n, user in enumerate(users):
        if n % shown_every == 0:
            FanProfileFactory(user=user)
        order = OrderFactory(checkout__buyer=user, shop=product.shop, status="paid",
                             show_on_profile=n % shown_every == 0)  # fmt: skip
        OrderItemFactory(order=order, product=product, quantity=1)
    return users


@pytest.mark.parametrize("buyers", [5, 500])
def test_product_page_queries_do_not_grow_with_buyers(
    client, mug, buyers, django_assert_max_num_queries
):
    users = _buyers(mug, buyers)
    viewer = UserFactory()
    for user in users[::3][:50]:
        FanFollowFactory(follower=viewer, followed=user)
    # Signed out (no cache in tests, so the whole page renders): the product (shop,
    # creator, user), images, tags, more products and their images, the review summary,
    # "bought this" (the count, then the names), the reviews hole's page (none: no
    # reviews, so nothing), the questions (content type, count). The holes signed out
    # ask nothing: "people you follow" and the heart know a visitor follows and saved none.
    with django_assert_max_num_queries(12, info="product page signed out: justify a query"):
        response = client.get(mug.get_absolute_url())
    assert f"{buyers - 2} other fans bought this" in response.content.decode()
    client.force_login(viewer)
    # Signed in adds: the user (creator profile, cart units), the bell, whether they follow
    # the creator, their own review and purchase, whether the creator blocked them, the
    # people-they-follow count (one) and whether they saved it (one).
    with django_assert_max_num_queries(17, info="product page signed in: justify a query"):
        response = client.get(mug.get_absolute_url())
    followed = min(len(users[::3]), 50)
    text = response.content.decode()
    assert f"{followed} {'person' if followed == 1 else 'people'} you follow</a> bought" in text


def test_order_set_shown_refuses_another_buyer(fan, mug):
    from django.http import Http404

    order = paid_order_of(buyer=fan, product=mug)
    with pytest.raises(Http404):
        social_proof.order_set_shown(order=order, buyer=UserFactory(), show=True)
    assert Order.objects.get(pk=order.pk).show_on_profile is False
