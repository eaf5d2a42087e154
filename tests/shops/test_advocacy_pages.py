"""What fans and creators see of share links: "Your shares" and the Studio's advocates."""

from datetime import timedelta

import pytest
from django.utils import timezone

from creators.models import EngagementEvent, EventKind
from creators.posts import post_create
from shops import referrals
from shops.models import ShareLink
from tests.factories import CreatorProfileFactory, ProductFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


def share_event(kind, *, creator, sharer, amount="0", days_ago=0):
    payload = {"sharer_id": sharer.pk}
    if kind == EventKind.REFERRAL_PURCHASE:
        payload.update(order="RC-X", amount=amount, currency="EUR", buyer_id=1)
    return EngagementEvent.objects.create(
        kind=kind,
        creator=creator,
        actor=sharer,
        payload=payload,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


# --- Your shares -------------------------------------------------------------------------


def test_your_shares_lists_each_link_with_its_visits_purchases_and_the_totals(fan_client, fan):
    shop = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana"))
    mug = ProductFactory(shop=shop, title="Speckled mug")
    post = post_create(author=shop.creator.user, body="Fresh **glazes** today", action="publish")
    mug_link = referrals.share_link_get_or_create(sharer=fan, target=mug)
    post_link = referrals.share_link_get_or_create(sharer=fan, target=post)
    ShareLink.objects.filter(pk=mug_link.pk).update(visits=12, purchases=2)
    ShareLink.objects.filter(pk=post_link.pk).update(visits=3, purchases=1)
    referrals.share_link_get_or_create(sharer=UserFactory(), target=mug)  # someone else's

    page = fan_client.get("/account/shares/").content.decode()

    assert "Your shares: 15 visits, 3 purchases." in page
    assert "Speckled mug" in page and "Ana: Fresh glazes today" in page
    assert f"http://testserver/r/{mug_link.code}" in page
    assert f"http://testserver/r/{post_link.code}" in page
    assert page.count("<tr>") == 3  # header + two links


def test_your_shares_needs_signing_in(client):
    response = client.get("/account/shares/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_your_shares_before_sharing_anything(fan_client):
    page = fan_client.get("/account/shares/").content.decode()
    assert "Your shares: 0 visits, 0 purchases." in page
    assert "You haven’t shared anything yet" in page


@pytest.mark.parametrize("links", [1, 60])
def test_your_shares_costs_the_same_queries_however_many_links(
    client, links, django_assert_max_num_queries
):
    fan = UserFactory()
    creators = [ShopFactory() for _ in range(3)]
    for n in range(links):
        shop = creators[n % 3]
        if n % 2:
            target = post_create(author=shop.creator.user, body=f"Post {n}", action="publish")
        else:
            target = ProductFactory(shop=shop)
        referrals.share_link_get_or_create(sharer=fan, target=target)
    client.force_login(fan)
    # session, user (with creator profile and cart units), the paginator's count, one
    # page of links with their product/post and creators joined, the totals aggregate.
    # Adding one? Say why here.
    with django_assert_max_num_queries(5):
        response = client.get("/account/shares/")
    assert response.status_code == 200
    assert response.content.decode().count("/r/") == min(links, 25)


# --- Advocates ---------------------------------------------------------------------------


def test_the_creator_sees_advocates_ranked_by_purchases_then_visits(creator_client, creator):
    ana, bea, cleo, dan = (UserFactory(name=name) for name in ("Ana", "Bea", "Cleo", "Dan"))
    for _ in range(5):
        share_event(EventKind.SHARE_VISIT, creator=creator, sharer=ana)
    share_event(EventKind.SHARE_VISIT, creator=creator, sharer=bea)
    share_event(EventKind.REFERRAL_PURCHASE, creator=creator, sharer=bea, amount="24.00")
    share_event(EventKind.REFERRAL_PURCHASE, creator=creator, sharer=bea, amount="10.50")
    share_event(EventKind.SHARE_VISIT, creator=creator, sharer=cleo)
    share_event(EventKind.REFERRAL_PURCHASE, creator=creator, sharer=cleo, amount="5.00")
    # Dan advocates for someone else; the creator's own link is no advocacy.
    share_event(EventKind.REFERRAL_PURCHASE, creator=ShopFactory().creator, sharer=dan)
    share_event(EventKind.SHARE_VISIT, creator=creator, sharer=creator.user)

    page = creator_client.get("/studio/advocates/?period=all").content.decode()

    names = [name for name in ("Bea", "Cleo", "Ana", "Dan") if f">{name}</th>" in page]
    assert names == ["Bea", "Cleo", "Ana"]
    assert page.index(">Bea<") < page.index(">Cleo<") < page.index(">Ana<")
    assert "€34.50" in page  # Bea's referred sales
    assert creator.display_name not in page.split("<h1>")[1]


def test_advocates_can_be_limited_to_a_period(creator_client, creator):
    share_event(EventKind.SHARE_VISIT, creator=creator, sharer=UserFactory(name="Old"), days_ago=60)
    share_event(EventKind.SHARE_VISIT, creator=creator, sharer=UserFactory(name="New"), days_ago=1)
    recent = creator_client.get("/studio/advocates/?period=30").content.decode()
    assert ">New<" in recent and ">Old<" not in recent
    everything = creator_client.get("/studio/advocates/?period=all").content.decode()
    assert ">New<" in everything and ">Old<" in everything
    assert creator_client.get("/studio/advocates/?period=bogus").status_code == 200


def test_fans_without_a_shop_are_sent_to_open_one(fan_client):
    response = fan_client.get("/studio/advocates/")
    assert response.status_code == 302 and response["Location"] == "/open-shop/"


def test_the_studio_links_to_the_advocates(creator_client):
    assert 'href="/studio/advocates/"' in creator_client.get("/studio/").content.decode()


@pytest.mark.parametrize("fans", [1, 40])
def test_advocates_cost_the_same_queries_however_many_fans(
    creator_client, creator, fans, django_assert_max_num_queries
):
    for n in range(fans):
        sharer = UserFactory()
        share_event(EventKind.SHARE_VISIT, creator=creator, sharer=sharer)
        if n % 3 == 0:
            share_event(EventKind.REFERRAL_PURCHASE, creator=creator, sharer=sharer, amount="9")
    # session, user (+ profile), the shop, the paginator's count, one page of grouped
    # events, the page's fans. Adding one? Say why here.
    with django_assert_max_num_queries(6):
        response = creator_client.get("/studio/advocates/")
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == min(fans, 25) + 1


def test_referral_amounts_add_up_in_the_shops_currency(creator_client, creator):
    fan = UserFactory(name="Bea")
    share_event(EventKind.REFERRAL_PURCHASE, creator=creator, sharer=fan, amount="1234.50")
    page = creator_client.get("/studio/advocates/").content.decode()
    assert "€1,234.50" in page


def test_the_dashboard_shows_what_fans_shares_brought(creator_client, creator):
    from creators import rollup

    sharer = UserFactory()
    for _ in range(3):
        share_event(EventKind.SHARE_VISIT, creator=creator, sharer=sharer)
    share_event(EventKind.REFERRAL_PURCHASE, creator=creator, sharer=sharer, amount="20")
    today = timezone.now().date()
    rollup.rollup_range(start=today - timedelta(days=6), end=today)

    page = creator_client.get("/studio/?days=7").content.decode()

    assert "Fans’ shares" in page and "3 visits" in page
    assert "1 purchase came through them" in page
    assert "No visits through fans’ share links" not in page
