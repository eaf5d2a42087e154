"""The Share button sits in cached pages: the same for everyone, the personal link only
ever in the answer to pressing it (never stored in a shared page)."""

from decimal import Decimal

import pytest
from django.test import Client

from shops.models import ShareLink
from tests.factories import ProductFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.page_cache, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mug():
    shop = ShopFactory(creator__handle="ana_makes", creator__display_name="Ana Makes")
    return ProductFactory(shop=shop, title="Speckled mug", price=Decimal("24.00"))


def test_the_cached_product_page_has_the_button_and_no_ones_link(mug):
    url = mug.get_absolute_url()
    ana, bea = UserFactory(), UserFactory()
    first, second = Client(), Client()
    first.force_login(ana)
    second.force_login(bea)

    assert first.get(url)["X-Page-Cache"] == "miss"
    visitor = Client()
    visitor.get(url)  # the plain visitors' copy (holes filled) is stored on their first visit
    panel = first.post("/share/", {"kind": "product", "target": mug.pk}, HTTP_HX_REQUEST="true")
    code = ShareLink.objects.get(sharer=ana).code
    assert f"/r/{code}" in panel.content.decode()

    for client in (first, second, visitor):
        response = client.get(url)
        page = response.content.decode()
        assert response["X-Page-Cache"] == "hit"
        assert 'action="/share/"' in page and ">Share</button>" in page
        assert "/r/" not in page  # nobody's personal link is in the shared page

    bea_panel = second.post("/share/", {"kind": "product", "target": mug.pk}).content.decode()
    bea_code = ShareLink.objects.get(sharer=bea).code
    assert f"/r/{bea_code}" in bea_panel and f"/r/{code}" not in bea_panel


def test_a_visit_through_a_link_gets_the_cached_page_and_a_working_share_button(mug):
    url = mug.get_absolute_url()
    Client().get(url)  # warm
    link_owner = UserFactory()
    client = Client()
    client.force_login(link_owner)
    client.post("/share/", {"kind": "product", "target": mug.pk})
    code = ShareLink.objects.get().code

    visitor = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0")
    landed = visitor.get(f"/r/{code}", follow=True)
    assert landed.status_code == 200
    assert landed.redirect_chain == [(url, 302)]
    assert landed["X-Page-Cache"] == "hit"
    assert ShareLink.objects.get().visits == 1
