"""The creator's Shop area under /studio/shop/: list, create, edit, publish, and who may."""

from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from core.ratelimits import Rate
from shops.models import Product, ProductImage, ProductStatus
from shops.views import PRODUCT_WRITE_RATE
from tests.factories import (
    CreatorProfileFactory,
    ProductFactory,
    ProductImageFactory,
    ShopFactory,
)
from tests.images import fake_upload, image_upload

pytestmark = pytest.mark.django_db
LIST_URL = reverse("shops:studio_products")
NEW_URL = reverse("shops:product_create")


def _form(**overrides):
    data = {
        "title": "Speckled mug",
        "description": "Hand-thrown.",
        "price": "24.00",
        "compare_at_price": "",
        "kind": "physical",
        "stock": "5",
        "sku": "",
        "tags": "ceramics, gift",
    }
    data.update(overrides)
    return data


def _product_files():
    try:
        return default_storage.listdir("products")[1]
    except FileNotFoundError:
        return []


def test_studio_links_to_the_shop_area(creator_client):
    assert LIST_URL in creator_client.get(reverse("creators:studio")).content.decode()


def test_creator_creates_a_product_with_images(creator_client, creator):
    response = creator_client.post(
        NEW_URL,
        _form(images=[image_upload("a.png", size=(800, 600)), image_upload("b.jpg", "JPEG")]),
        follow=True,
    )

    product = Product.objects.get()
    assert response.redirect_chain[-1][0] == reverse("shops:product_edit", args=[product.slug])
    assert product.shop == creator.shop
    assert product.status == ProductStatus.DRAFT
    assert product.price == Decimal("24.00")
    assert product.images.count() == 2
    assert len(_product_files()) == 2 * 4  # original + grid, page, zoom
    page = response.content.decode()
    assert "is saved as a draft" in page
    assert "Position" in page and "Remove" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"price": "-1"}, "can’t be negative"),
        ({"price": "1.001"}, "2 decimal places"),
        ({"price": "twelve"}, "Enter a price as a number"),
        ({"price": "123456789012"}, "go up to 99,999,999.99"),
        ({"compare_at_price": "24.00"}, "must be above the price"),
        ({"compare_at_price": "5"}, "must be above the price"),
        ({"stock": ""}, "need a stock number"),
        ({"stock": "-3"}, "greater than or equal to 0"),
        ({"stock": "many"}, "whole number"),
        ({"title": ""}, "This field is required"),
    ],
)
def test_bad_money_and_stock_get_clear_messages_and_save_nothing(
    creator_client, overrides, message
):
    response = creator_client.post(NEW_URL, _form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (fake_upload("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "SVG"),
        (fake_upload("x.png", b"not an image at all"), "not a valid image"),
        (image_upload("x.bmp", "BMP"), "BMP images are not accepted"),
    ],
)
def test_bad_image_upload_is_rejected_and_nothing_saved(creator_client, upload, message):
    response = creator_client.post(NEW_URL, _form(images=[image_upload("good.png"), upload]))
    page = response.content.decode()
    assert message in page
    assert upload.name in page
    assert not Product.objects.exists()
    assert _product_files() == []


def test_nine_images_are_refused(creator_client):
    response = creator_client.post(
        NEW_URL, _form(images=[image_upload(f"{i}.png") for i in range(9)])
    )
    assert "at most 8 images" in response.content.decode()
    assert not Product.objects.exists()


def test_edit_keeps_slug_and_edits_images(creator_client, creator):
    creator_client.post(NEW_URL, _form(images=[image_upload(f"{i}.png") for i in range(3)]))
    product = Product.objects.get()
    a, b, c = product.images.order_by("position")
    url = reverse("shops:product_edit", args=[product.slug])

    response = creator_client.post(
        url,
        _form(
            title="Renamed mug",
            price="30",
            **{
                f"remove_{a.pk}": "on",
                f"position_{b.pk}": "2",
                f"position_{c.pk}": "1",
                f"position_{a.pk}": "3",
            },
            images=[image_upload("new.png")],
        ),
        follow=True,
    )

    assert "is saved" in response.content.decode()
    product.refresh_from_db()
    assert product.slug == "speckled-mug"
    assert product.title == "Renamed mug"
    assert product.price == Decimal("30.00")
    ordered = list(product.images.order_by("position"))
    assert [image.pk for image in ordered[:2]] == [c.pk, b.pk]
    assert len(ordered) == 3
    assert not ProductImage.objects.filter(pk=a.pk).exists()


def test_publish_unpublish_archive_buttons(creator_client, creator):
    product = ProductFactory(shop=creator.shop, status=ProductStatus.DRAFT, published_at=None)
    url = reverse("shops:product_status", args=[product.slug])

    response = creator_client.post(url, {"status": "published"}, follow=True)
    assert "is published" in response.content.decode()
    product.refresh_from_db()
    assert product.status == ProductStatus.PUBLISHED
    assert product.published_at is not None

    creator_client.post(url, {"status": "archived", "next": "list"})
    response = creator_client.post(url, {"status": "published"}, follow=True)
    assert "archived: it can’t be published" in response.content.decode()
    product.refresh_from_db()
    assert product.status == ProductStatus.ARCHIVED

    assert creator_client.get(url).status_code == 405


def test_list_filters_by_status_and_shows_badges(creator_client, creator):
    ProductFactory(shop=creator.shop, title="Live mug")
    ProductFactory(shop=creator.shop, title="Secret mug", status=ProductStatus.DRAFT)
    ProductFactory(shop=creator.shop, title="Old mug", status=ProductStatus.ARCHIVED)
    ProductFactory(title="Someone else’s mug")

    page = creator_client.get(LIST_URL).content.decode()
    assert "Live mug" in page and "Secret mug" in page and "Old mug" in page
    assert "Someone else’s mug" not in page
    assert "badge--warning" in page

    drafts = creator_client.get(LIST_URL, {"status": "draft"}).content.decode()
    assert "Secret mug" in drafts and "Live mug" not in drafts


@pytest.mark.parametrize("count", [5, 500])
def test_list_query_count_is_constant(
    creator_client, creator, count, django_assert_max_num_queries
):
    for product in ProductFactory.create_batch(count, shop=creator.shop)[-30:]:
        ProductImageFactory.create_batch(2, product=product)
    # Queries: session, user, shop (with creator), status counts (one aggregate), the
    # paginator's count, one page of products, their images (one prefetch), and the
    # header's creator profile, cart badge and bell count (base.html). Same for 5 or 500
    # products; if you add one, say why here.
    with django_assert_max_num_queries(10):
        response = creator_client.get(LIST_URL)
    assert response.status_code == 200


# Owner-only access: everyone else gets 404 and changes nothing -----------------------------


@pytest.fixture
def owned_product(creator):
    product = ProductFactory(shop=creator.shop, status=ProductStatus.DRAFT, published_at=None)
    ProductImageFactory(product=product)
    return product


def _management_urls(product):
    return [
        reverse("shops:product_edit", args=[product.slug]),
        reverse("shops:product_status", args=[product.slug]),
    ]


@pytest.mark.parametrize("who", ["other_creator", "fan"])
def test_others_get_404_on_every_management_url_and_change_nothing(client, owned_product, fan, who):
    intruder = (
        ShopFactory(creator=CreatorProfileFactory()).creator.user if who == "other_creator" else fan
    )
    client.force_login(intruder)
    before = Product.objects.values().get(pk=owned_product.pk)

    for url in _management_urls(owned_product):
        assert client.get(url).status_code == 404, url
        for data in (
            _form(title="Hacked", price="0"),
            {"status": "published"},
            {"status": "archived"},
            {f"remove_{owned_product.images.get().pk}": "on", **_form()},
        ):
            assert client.post(url, data).status_code == 404, url

    assert Product.objects.values().get(pk=owned_product.pk) == before
    assert owned_product.images.count() == 1


def test_fan_without_a_shop_gets_404_on_the_shop_area(fan_client):
    assert fan_client.get(LIST_URL).status_code == 404
    assert fan_client.get(NEW_URL).status_code == 404
    assert fan_client.post(NEW_URL, _form()).status_code == 404
    assert not Product.objects.exists()


def test_other_creator_with_the_same_slug_edits_only_their_own(client, owned_product):
    other = ShopFactory()
    theirs = ProductFactory(shop=other, slug=owned_product.slug, title="Theirs")
    client.force_login(other.creator.user)
    client.post(reverse("shops:product_edit", args=[owned_product.slug]), _form(title="Edited"))
    theirs.refresh_from_db()
    owned_product.refresh_from_db()
    assert theirs.title == "Edited"
    assert owned_product.title != "Edited"


def test_signed_out_visitors_are_sent_to_sign_in(client, owned_product):
    for url in [LIST_URL, NEW_URL, *_management_urls(owned_product)]:
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


def test_product_writes_are_rate_limited(creator_client, owned_product):
    url = reverse("shops:product_status", args=[owned_product.slug])
    limit = Rate.parse(PRODUCT_WRITE_RATE).count
    for _ in range(limit):
        assert creator_client.post(url, {"status": "nonsense"}).status_code == 302
    response = creator_client.post(url, {"status": "published"})
    assert response.status_code == 429
    assert "Retry-After" in response
    owned_product.refresh_from_db()
    assert owned_product.status == ProductStatus.DRAFT


def test_image_descriptions_are_edited_and_used_as_alt_text(creator_client, creator, client):
    creator_client.post(NEW_URL, _form(images=[image_upload("a.png"), image_upload("b.png")]))
    product = Product.objects.get()
    a, b = product.images.order_by("position")
    creator_client.post(
        reverse("shops:product_edit", args=[product.slug]),
        _form(**{f"alt_{a.pk}": "  A speckled mug, front  ", f"alt_{b.pk}": ""}),
    )
    a.refresh_from_db()
    assert a.alt_text == "A speckled mug, front"
    creator_client.post(
        reverse("shops:product_status", args=[product.slug]), {"status": "published"}
    )
    page = client.get(product.get_absolute_url()).content.decode()
    assert 'alt="A speckled mug, front"' in page
    assert 'alt="Speckled mug (2 of 2)"' in page
