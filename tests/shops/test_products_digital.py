"""Digital products: the delivered file lives in private storage, never under MEDIA_ROOT."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shops import downloads
from shops.models import Product, ProductImage, ProductKind, ProductStatus
from shops.services import product_create, product_publish, product_update

pytestmark = pytest.mark.django_db


def _file(name="pattern.pdf", content=b"%PDF-1.4 knitting pattern"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _digital(shop, **overrides):
    data = {
        "shop": shop,
        "title": "Sock pattern",
        "price": Decimal("6.50"),
        "kind": ProductKind.DIGITAL,
        "stock": None,
    }
    data.update(overrides)
    return product_create(**data)


def _files_under(root) -> list[Path]:
    root = Path(root)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_digital_file_is_stored_privately_under_a_random_folder(creator, settings):
    product = _digital(creator.shop, digital_file=_file())

    name = product.digital_file.name
    assert name.startswith("downloads/") and name.endswith("/pattern.pdf")
    assert downloads.digital_display_name(name) == "pattern.pdf"
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / name).read_bytes() == b"%PDF-1.4 knitting pattern"
    assert _files_under(settings.MEDIA_ROOT) == []
    with pytest.raises(ValueError, match="no public URL"):
        product.digital_file.url  # noqa: B018


def test_publishing_a_digital_product_needs_its_file(creator):
    product = _digital(creator.shop)
    with pytest.raises(ValidationError, match="the file buyers download"):
        product_publish(product=product)
    assert Product.objects.get().status == ProductStatus.DRAFT

    product = product_update(
        product=product,
        title="Sock pattern",
        price=Decimal("6.50"),
        kind="digital",
        digital_file=_file(),
    )
    assert product_publish(product=product).status == ProductStatus.PUBLISHED


def test_oversized_or_empty_file_is_refused_and_nothing_saved(creator, settings, monkeypatch):
    monkeypatch.setattr(downloads, "DIGITAL_FILE_MAX_BYTES", 10)
    with pytest.raises(ValidationError) as excinfo:
        _digital(creator.shop, digital_file=_file(content=b"x" * 11))
    assert "at most 10" in excinfo.value.message_dict["digital_file"][0]
    with pytest.raises(ValidationError, match="empty"):
        _digital(creator.shop, digital_file=_file(content=b""))
    assert not Product.objects.exists()
    assert _files_under(settings.PRIVATE_MEDIA_ROOT) == []


def test_failure_after_the_file_is_written_leaves_no_file(creator, settings, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ProductImage.objects, "bulk_create", boom)
    with pytest.raises(RuntimeError):
        _digital(creator.shop, digital_file=_file())
    assert _files_under(settings.PRIVATE_MEDIA_ROOT) == []


def test_replacing_and_removing_the_file_deletes_the_old_one_on_commit(
    creator, settings, django_capture_on_commit_callbacks
):
    product = _digital(creator.shop, digital_file=_file("v1.pdf"))
    common = {"title": "Sock pattern", "price": Decimal("6.50"), "kind": "digital"}

    with django_capture_on_commit_callbacks(execute=True):
        product = product_update(product=product, digital_file=_file("v2.pdf"), **common)
    assert [path.name for path in _files_under(settings.PRIVATE_MEDIA_ROOT)] == ["v2.pdf"]

    with django_capture_on_commit_callbacks(execute=True):
        product = product_update(product=product, remove_digital_file=True, **common)
    assert not product.digital_file
    assert _files_under(settings.PRIVATE_MEDIA_ROOT) == []


def test_creator_uploads_the_file_through_the_form(creator_client, settings):
    response = creator_client.post(
        reverse("shops:product_create"),
        {
            "title": "Sock pattern",
            "price": "6.50",
            "kind": "digital",
            "stock": "",
            "digital_file": _file("socks.pdf"),
        },
        follow=True,
    )
    product = Product.objects.get()
    assert product.digital_file.name.endswith("/socks.pdf")
    assert product.stock is None
    page = response.content.decode()
    assert "Current file: socks.pdf" in page
    assert "Remove the current file" in page

    response = creator_client.post(
        reverse("shops:product_status", args=[product.slug]), {"status": "published"}
    )
    product.refresh_from_db()
    assert product.status == ProductStatus.PUBLISHED
    page = creator_client.get(product.get_absolute_url()).content.decode()
    assert "Digital download" in page
    assert "socks.pdf" not in page  # the file is never linked from the public page
