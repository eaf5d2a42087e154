"""Purchases through a tastemaker list credit the list's author (as a share link does);
a share link of a list credits whoever shared it. The tastemakers page ranks by it."""

from decimal import Decimal

import pytest
from django.test import Client

from creators.models import EngagementEvent, EventKind
from shops import lists, referrals
from shops.models import Order, ProductStatus, ShareLink, TastemakerList
from tests.factories import ProductFactory, UserFactory
from tests.shops.test_share_links import BROWSER, browser, buy

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return UserFactory(name="Tess Taste")


@pytest.fixture
def products():
    return [ProductFactory(title=f"Thing {n}", price=Decimal("10.00")) for n in range(4)]


@pytest.fixture
def taste_list(author, products):
    taste_list = lists.list_create(author=author, title="Kitchen favourites")
    for product in products[:3]:
        lists.list_item_add(taste_list=taste_list, product=product, note="Good")
    return taste_list


def item_url(taste_list, product):
    item = taste_list.items.get(product=product)
    return f"/lists/{taste_list.pk}/items/{item.pk}/go/"


def test_a_product_clicked_on_a_list_and_bought_credits_the_lists_author(
    taste_list, author, products
):
    bea = UserFactory()
    client = browser(bea)
    page = client.get(f"/lists/{taste_list.pk}/").content.decode()
    assert f'href="{item_url(taste_list, products[1])}"' in page

    response = client.get(item_url(taste_list, products[1]))
    assert response["Location"] == products[1].get_absolute_url()
    assert referrals.COOKIE_NAME in response.cookies
    link = ShareLink.objects.get(sharer=author, taste_list=taste_list)
    visit = EngagementEvent.objects.get(kind=EventKind.SHARE_VISIT)
    assert (visit.actor, visit.creator, visit.target) == (
        author,
        products[1].shop.creator,
        products[1],
    )

    [order] = buy(client, bea, products[1])
    assert order.referral == link
    link.refresh_from_db()
    assert (link.visits, link.purchases) == (1, 1)
    event = EngagementEvent.objects.get(kind=EventKind.REFERRAL_PURCHASE)
    assert (event.actor, event.creator) == (author, products[1].shop.creator)
    assert event.payload["target"] == "list"


def test_the_author_clicking_their_own_list_gets_no_credit(taste_list, author, products):
    client = browser(author)
    response = client.get(item_url(taste_list, products[0]))
    assert response["Location"] == products[0].get_absolute_url()
    assert referrals.COOKIE_NAME not in response.cookies
    assert not EngagementEvent.objects.filter(kind=EventKind.SHARE_VISIT).exists()


def test_a_bot_following_list_links_counts_nothing(taste_list, products):
    response = Client(HTTP_USER_AGENT="Googlebot/2.1").get(item_url(taste_list, products[0]))
    assert response.status_code == 302
    assert referrals.COOKIE_NAME not in response.cookies


def test_a_product_dropped_from_the_list_has_no_list_link(taste_list, products):
    url = item_url(taste_list, products[0])
    products[0].status = ProductStatus.ARCHIVED
    products[0].save()
    lists.list_item_add(taste_list=taste_list, product=products[3])  # still 3 visible
    assert browser().get(url).status_code == 404


def test_a_list_shared_by_another_fan_credits_that_fan_and_keeps_it_on_click(
    taste_list, author, products
):
    cleo = UserFactory(name="Cleo")
    share = browser(cleo).post("/share/", {"kind": "list", "target": taste_list.pk})
    link = ShareLink.objects.get(sharer=cleo, taste_list=taste_list)
    assert f"/r/{link.code}" in share.content.decode()
    assert link.creator is None

    bea = UserFactory()
    client = browser(bea)
    landed = client.get(f"/r/{link.code}")
    assert landed["Location"] == f"/lists/{taste_list.pk}/"
    client.get(item_url(taste_list, products[2]))  # the click keeps Cleo's credit
    [order] = buy(client, bea, products[2])
    assert order.referral == link
    assert not ShareLink.objects.filter(sharer=author).exists()


def test_a_list_link_credits_orders_of_creators_on_the_list_only(taste_list, products):
    elsewhere = ProductFactory(title="Not on the list")
    cleo = UserFactory()
    link = referrals.share_link_get_or_create(sharer=cleo, target=taste_list)
    bea = UserFactory()
    client = browser(bea)
    client.get(f"/r/{link.code}")
    orders = buy(client, bea, products[0], elsewhere)
    credited = {order.shop_id: order.referral_id for order in orders}
    assert credited == {products[0].shop_id: link.pk, elsewhere.shop_id: None}


def test_a_private_list_cannot_be_shared_and_its_old_link_lands_on_the_tastemakers(
    taste_list, products
):
    cleo = UserFactory()
    link = referrals.share_link_get_or_create(sharer=cleo, target=taste_list)
    for product in products[:2]:
        product.status = ProductStatus.DRAFT
        product.save()
    assert (
        browser(cleo).post("/share/", {"kind": "list", "target": taste_list.pk}).status_code == 404
    )
    response = Client(HTTP_USER_AGENT=BROWSER).get(f"/r/{link.code}")
    assert response["Location"] == "/lists/"
    assert referrals.COOKIE_NAME not in response.cookies


def test_your_shares_lists_a_shared_list(taste_list):
    cleo = UserFactory()
    referrals.share_link_get_or_create(sharer=cleo, target=taste_list)
    page = browser(cleo).get("/account/shares/").content.decode()
    assert 'List:</span> <a href="/lists/' in page and "Kitchen favourites" in page


# --- The tastemakers page ------------------------------------------------------------------


def tastemaker(name, products, *, purchases=0, visits=0, public=True):
    user = UserFactory(name=name)
    taste_list = lists.list_create(author=user, title=f"{name}'s picks")
    for product in products[: 3 if public else 2]:
        lists.list_item_add(taste_list=taste_list, product=product)
    link = referrals.share_link_get_or_create(sharer=user, target=taste_list)
    ShareLink.objects.filter(pk=link.pk).update(purchases=purchases, visits=visits)
    return user


def test_tastemakers_are_ranked_by_purchases_they_influenced_then_visits(products):
    tastemaker("Ana", products, purchases=2, visits=5)
    tastemaker("Bea", products, purchases=30, visits=1)
    tastemaker("Cleo", products, purchases=2, visits=9)
    tastemaker("Dan", products, purchases=0, visits=0)
    tastemaker("Eve", products, purchases=99, public=False)  # no public list: not listed
    # A share of a product counts towards the fan's influence too.
    ana_product = referrals.share_link_get_or_create(
        sharer=tastemaker("Fay", products, purchases=1), target=products[3]
    )
    ShareLink.objects.filter(pk=ana_product.pk).update(purchases=5)

    page = Client().get("/lists/").content.decode()

    order = [
        name for name in ("Bea", "Fay", "Cleo", "Ana", "Dan") if f"<strong>{name}</strong>" in page
    ]
    assert order == ["Bea", "Fay", "Cleo", "Ana", "Dan"]
    positions = [page.index(f"<strong>{name}</strong>") for name in order]
    assert positions == sorted(positions)
    assert "Eve" not in page
    assert '<strong>Bea</strong> <span class="badge badge--brand">Trendsetter</span>' in page
    assert '<strong>Fay</strong> <span class="badge badge--brand">Tastemaker</span>' in page
    assert '<strong>Ana</strong> <span class="badge badge--brand">Rising tastemaker</span>' in page
    assert "Inspired 30 purchases and 1 visit" in page


@pytest.mark.parametrize("count", [2, 30])
def test_the_tastemakers_page_costs_the_same_however_many(
    products, count, django_assert_max_num_queries
):
    for n in range(count):
        tastemaker(f"Fan {n}", products, purchases=n, visits=n)
    TastemakerList.objects.update(is_featured=True)
    # The paginator's count, one page of tastemakers (influence as subqueries), their
    # public lists (one query), the featured lists and their items (two). Signed out:
    # no session or header lookup. Adding one? Say why here.
    with django_assert_max_num_queries(5):
        response = Client().get("/lists/")
    assert response.status_code == 200
    assert response.content.decode().count('class="tastemaker"') == min(count, 20)


def test_orders_of_a_list_purchase_name_the_author_in_admin(taste_list, products, admin_client):
    bea = UserFactory()
    client = browser(bea)
    client.get(item_url(taste_list, products[0]))
    [order] = buy(client, bea, products[0])
    page = admin_client.get(f"/admin/shops/order/{order.pk}/change/").content.decode()
    assert Order.objects.get(pk=order.pk).referral.sharer == taste_list.author
    assert taste_list.author.email in page
