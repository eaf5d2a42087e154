"""Staff tooling for products: status through the service, private files never linked."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shops.models import Product, ProductStatus
from shops.services import product_create
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_archive_action_goes_through_the_service(admin_client):
    live = ProductFactory()
    already = ProductFactory(status=ProductStatus.ARCHIVED)

    response = admin_client.post(
        reverse("admin:shops_product_changelist"),
        {"action": "archive", "_selected_action": [live.pk, already.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "Archived 1 product(s)." in page
    assert "archived: it can’t be archived" in page
    live.refresh_from_db()
    assert live.status == ProductStatus.ARCHIVED


def test_back_to_draft_action(admin_client):
    product = ProductFactory(status=ProductStatus.ARCHIVED)
    admin_client.post(
        reverse("admin:shops_product_changelist"),
        {"action": "back_to_draft", "_selected_action": [product.pk]},
    )
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT


def test_change_page_of_a_digital_product_shows_the_file_name_not_a_link(admin_client, creator):
    product = product_create(
        shop=creator.shop,
        title="Pattern",
        price=Decimal("5"),
        kind="digital",
        digital_file=SimpleUploadedFile("socks.pdf", b"%PDF"),
    )
    response = admin_client.get(reverse("admin:shops_product_change", args=[product.pk]))
    assert response.status_code == 200
    assert "socks.pdf" in response.content.decode()


def test_staff_edit_rerenders_the_description(admin_client):
    product = ProductFactory()
    url = reverse("admin:shops_product_change", args=[product.pk])
    data = {
        "shop": product.shop_id,
        "title": product.title,
        "slug": product.slug,
        "description": "*fixed* <script>x</script>",
        "price": "24.00",
        "compare_at_price": "",
        "kind": "physical",
        "stock": "3",
        "sku": "",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    product = Product.objects.get(pk=product.pk)
    assert product.description_html.startswith("<p><em>fixed</em>")
    assert "<script>" not in product.description_html
    assert product.status == ProductStatus.PUBLISHED
