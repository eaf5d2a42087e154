"""Product services: create, update, status transitions, and the rules they enforce."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from core.images import clean_image_upload
from shops.models import Product, ProductImage, ProductKind, ProductStatus, Tag
from shops.services import (
    product_archive,
    product_create,
    product_publish,
    product_set_status,
    product_unpublish,
    product_update,
)
from tests.factories import ProductFactory, ShopFactory
from tests.images import image_upload

pytestmark = pytest.mark.django_db


def _clean(n=1, **kwargs):
    return [clean_image_upload(image_upload(f"p{i}.png", **kwargs)) for i in range(n)]


def _create(shop, **overrides):
    data = {
        "shop": shop,
        "title": "Speckled mug",
        "description": "Hand-thrown.",
        "price": Decimal("24.00"),
        "compare_at_price": None,
        "kind": ProductKind.PHYSICAL,
        "stock": 5,
        "sku": "",
        "tags": [],
        "images": [],
    }
    data.update(overrides)
    return product_create(**data)


def _product_files():
    try:
        return default_storage.listdir("products")[1]
    except FileNotFoundError:
        return []


def test_create_stores_images_in_order_with_variants_on_disk(creator):
    product = _create(
        creator.shop,
        images=_clean(3, size=(1200, 900)),
        tags=[" Ceramics ", "GIFT", "ceramics", ""],
        description="**Bold** <script>alert(1)</script>",
    )

    assert product.status == ProductStatus.DRAFT
    assert product.slug == "speckled-mug"
    assert product.published_at is None
    images = list(product.images.order_by("position"))
    assert [image.position for image in images] == [0, 1, 2]
    for image in images:
        assert set(image.variants) == {"grid", "page", "zoom"}
        for name in [image.image.name, *image.variants.values()]:
            assert default_storage.exists(name)
    assert sorted(tag.name for tag in product.tags.all()) == ["ceramics", "gift"]
    assert "<strong>Bold</strong>" in product.description_html
    assert "<script" not in product.description_html


def test_slug_is_unique_per_shop_and_stable_on_edit(creator):
    first = _create(creator.shop, title="Blue Bowl!")
    second = _create(creator.shop, title="Blue bowl")
    third = _create(creator.shop, title="blue  bowl")
    other_shop = _create(ShopFactory(), title="Blue bowl")
    assert [first.slug, second.slug, third.slug] == ["blue-bowl", "blue-bowl-2", "blue-bowl-3"]
    assert other_shop.slug == "blue-bowl"

    updated = product_update(
        product=second, title="A completely new name", price=Decimal("3"), stock=1
    )
    assert updated.slug == "blue-bowl-2"


def test_untitled_slug_falls_back(creator):
    assert _create(creator.shop, title="!!!").slug == "product"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"price": Decimal("-1.00")}, "price", "can’t be negative"),
        ({"price": Decimal("1.001")}, "price", "2 decimal places"),
        ({"price": Decimal("100000000.00")}, "price", "go up to"),
        ({"price": Decimal("NaN")}, "price", "Enter a number"),
        ({"compare_at_price": Decimal("24.00")}, "compare_at_price", "above the price"),
        ({"compare_at_price": Decimal("10.00")}, "compare_at_price", "above the price"),
        ({"stock": None}, "stock", "need a stock number"),
        ({"title": "  "}, "title", "title"),
        ({"tags": [f"tag{i}" for i in range(11)]}, "tags", "at most 10"),
        ({"tags": ["x" * 41]}, "tags", "at most 40"),
    ],
)
def test_invalid_product_is_refused_with_a_message_and_nothing_saved(
    creator, overrides, field, message
):
    with pytest.raises(ValidationError) as excinfo:
        _create(creator.shop, images=_clean(1), **overrides)
    assert message in " ".join(excinfo.value.message_dict[field])
    assert not Product.objects.exists()
    assert not ProductImage.objects.exists()
    assert _product_files() == []


def test_float_money_is_a_programming_error(creator):
    with pytest.raises(TypeError):
        _create(creator.shop, price=24.0)


def test_more_than_eight_images_refused_and_no_file_left(creator):
    with pytest.raises(ValidationError) as excinfo:
        _create(creator.shop, images=_clean(9))
    assert "at most 8 images" in excinfo.value.message_dict["images"][0]
    assert _product_files() == []


def test_failure_after_images_are_written_leaves_no_files(creator, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ProductImage.objects, "bulk_create", boom)
    with pytest.raises(RuntimeError):
        _create(creator.shop, images=_clean(2))
    assert not Product.objects.exists()
    assert _product_files() == []


def test_digital_product_may_have_unlimited_stock(creator):
    product = _create(creator.shop, kind=ProductKind.DIGITAL, stock=None)
    assert product.stock is None
    assert product.in_stock


def test_update_replaces_tags_rerenders_and_edits_images(
    creator, django_capture_on_commit_callbacks
):
    product = _create(creator.shop, images=_clean(3), tags=["old"])
    a, b, c = product.images.order_by("position")
    removed_files = [b.image.name, *b.variants.values()]

    with django_capture_on_commit_callbacks(execute=True):
        product_update(
            product=product,
            title="Speckled mug",
            description="*new*",
            price=Decimal("30.00"),
            compare_at_price=Decimal("40.00"),
            kind=ProductKind.PHYSICAL,
            stock=2,
            sku="MUG-1",
            tags=["New", "gift"],
            new_images=_clean(1),
            remove_image_ids=[b.pk],
            positions={c.pk: 0},
        )

    product.refresh_from_db()
    assert product.description_html == "<p><em>new</em></p>\n"
    assert product.price == Decimal("30.00")
    assert sorted(t.name for t in product.tags.all()) == ["gift", "new"]
    assert Tag.objects.filter(name="old").exists()  # tags are shared; only unlinked
    ordered = list(product.images.order_by("position"))
    assert [image.pk for image in ordered[:2]] == [c.pk, a.pk]
    assert [image.position for image in ordered] == [0, 1, 2]
    assert not any(default_storage.exists(name) for name in removed_files)


def test_removing_an_image_keeps_files_another_product_still_shows(
    creator, django_capture_on_commit_callbacks
):
    # Given two products showing the same stored image (as the demo seeder's pool does)…
    product = _create(creator.shop, images=_clean(1))
    image = product.images.get()
    other = ProductFactory(shop=creator.shop)
    ProductImage.objects.create(product=other, image=image.image.name, variants=image.variants)

    with django_capture_on_commit_callbacks(execute=True):
        product_update(
            product=product,
            title=product.title,
            description="",
            price=product.price,
            compare_at_price=None,
            kind=ProductKind.PHYSICAL,
            stock=1,
            sku="",
            tags=[],
            new_images=[],
            remove_image_ids=[image.pk],
            positions={},
        )

    # …the other product's image still loads.
    assert not product.images.exists()
    assert default_storage.exists(image.image.name)
    assert all(default_storage.exists(name) for name in image.variants.values())


def test_update_refuses_too_many_images_and_changes_nothing(creator):
    product = _create(creator.shop, images=_clean(7))
    with pytest.raises(ValidationError):
        product_update(
            product=product, title="Other", price=Decimal("1"), stock=1, new_images=_clean(2)
        )
    product.refresh_from_db()
    assert product.title == "Speckled mug"
    assert product.images.count() == 7
    assert len(_product_files()) == 7 * 4


def test_status_transitions(creator):
    product = _create(creator.shop)
    product = product_publish(product=product)
    assert product.status == ProductStatus.PUBLISHED
    first_published = product.published_at
    assert first_published is not None

    product = product_unpublish(product=product)
    assert product.status == ProductStatus.DRAFT
    product = product_publish(product=product)
    assert product.published_at == first_published  # set the first time only

    product = product_archive(product=product)
    assert product.status == ProductStatus.ARCHIVED
    product = product_set_status(product=product, status=ProductStatus.DRAFT)
    assert product.status == ProductStatus.DRAFT
    product = product_archive(product=product)
    assert product.status == ProductStatus.ARCHIVED


@pytest.mark.parametrize(
    ("start", "target", "message"),
    [
        (ProductStatus.ARCHIVED, ProductStatus.PUBLISHED, "archived: it can’t be published"),
        (ProductStatus.ARCHIVED, ProductStatus.ARCHIVED, "archived: it can’t be archived"),
        (ProductStatus.PUBLISHED, ProductStatus.PUBLISHED, "published: it can’t be published"),
        (ProductStatus.DRAFT, ProductStatus.DRAFT, "draft: it can’t be moved back to draft"),
    ],
)
def test_refused_transitions_say_why_and_change_nothing(start, target, message):
    product = ProductFactory(status=start)
    with pytest.raises(ValidationError) as excinfo:
        product_set_status(product=product, status=target)
    assert message in excinfo.value.messages[0]
    product.refresh_from_db()
    assert product.status == start


def test_publishing_needs_a_title():
    product = ProductFactory(status=ProductStatus.DRAFT, title="", published_at=None)
    with pytest.raises(ValidationError, match="title"):
        product_publish(product=product)
