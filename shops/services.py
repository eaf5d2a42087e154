"""Writes a user can cause in commerce, one transaction per use case."""

from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from core import images as _images
from core.images import CleanImage
from core.rich_text import markdown_to_html
from creators.events import event_record
from creators.models import EventKind, User
from creators.services import creator_profile_create
from shops import downloads, saved
from shops.models import Product, ProductImage, ProductKind, ProductStatus, Shop, Tag

MAX_PRODUCT_IMAGES = 8
MAX_PRODUCT_TAGS = 10
MAX_TAG_LENGTH = 40
SLUG_ATTEMPTS = 10  # products of one title created at the same instant in one shop
PRICE_MAX = Decimal("99999999.99")  # max_digits=10, decimal_places=2

# Which status a product may move to from each status. Anything else is refused.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    ProductStatus.DRAFT: {ProductStatus.PUBLISHED, ProductStatus.ARCHIVED},
    ProductStatus.PUBLISHED: {ProductStatus.DRAFT, ProductStatus.ARCHIVED},
    ProductStatus.ARCHIVED: {ProductStatus.DRAFT},
}
_STATUS_VERBS = {
    ProductStatus.DRAFT: "moved back to draft",
    ProductStatus.PUBLISHED: "published",
    ProductStatus.ARCHIVED: "archived",
}


def shop_open(
    *,
    user: User,
    handle: str,
    display_name: str,
    bio: str = "",
    avatar: CleanImage | None = None,
    banner: CleanImage | None = None,
) -> Shop:
    """A fan becomes a creator: profile, shop and the creator's first event, all or nothing."""
    with _images.discard_on_error(), transaction.atomic():
        profile = creator_profile_create(
            user=user,
            handle=handle,
            display_name=display_name,
            bio=bio,
            avatar=avatar,
            banner=banner,
        )
        shop = Shop.objects.create(
            creator=profile, name=profile.display_name, currency=settings.SHOP_DEFAULT_CURRENCY
        )
        event_record(
            kind=EventKind.SHOP_OPENED,
            actor=user,
            creator=profile,
            target=shop,
            payload={"handle": profile.handle},
        )
    return shop


# Products ---------------------------------------------------------------------------------


def _validate_money(
    *, price: Decimal | None, compare_at_price: Decimal | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, value in (("price", price), ("compare_at_price", compare_at_price)):
        if value is None:
            if field == "price":
                errors[field] = ["Enter a price."]
            continue
        if isinstance(value, float) or not isinstance(value, Decimal | int):
            # Money is never held as a float: 0.1 + 0.2 != 0.3.
            raise TypeError(f"{field} must be a Decimal, not {type(value).__name__}")
        value = Decimal(value)
        if not value.is_finite():
            errors[field] = ["Enter a number."]
        elif value < 0:
            errors[field] = ["A price can’t be negative."]
        elif value.as_tuple().exponent < -2:
            errors[field] = ["Use at most 2 decimal places (e.g. 24.99)."]
        elif value > PRICE_MAX:
            errors[field] = ["Prices go up to 99,999,999.99."]
    if (
        not errors
        and compare_at_price is not None
        and price is not None
        and Decimal(compare_at_price) <= Decimal(price)
    ):
        errors["compare_at_price"] = [
            "The compare-at price is the former price: it must be above the price."
        ]
    return errors


def _validate_product(
    *,
    title: str,
    price: Decimal | None,
    compare_at_price: Decimal | None,
    kind: str,
    stock: int | None,
    image_count: int,
) -> None:
    errors = _validate_money(price=price, compare_at_price=compare_at_price)
    if not title.strip():
        errors["title"] = ["Give the product a title."]
    if kind not in ProductKind.values:
        errors["kind"] = ["Choose physical or digital."]
    if stock is not None and stock < 0:
        errors["stock"] = ["Stock can’t be negative."]
    elif kind == ProductKind.PHYSICAL and stock is None:
        errors["stock"] = ["Physical products need a stock number (0 if sold out)."]
    if image_count > MAX_PRODUCT_IMAGES:
        errors["images"] = [
            f"A product can have at most {MAX_PRODUCT_IMAGES} images; "
            f"this would make {image_count}."
        ]
    if errors:
        raise ValidationError(errors)


def _tags_by_name(names: list[str]) -> list[Tag]:
    """Tags for `names` (trimmed, lowercased, de-duplicated), created when new."""
    cleaned: dict[str, str] = {}
    for raw in names:
        name = " ".join(raw.split()).lower()
        slug = slugify(name)
        if not slug:
            continue
        if len(name) > MAX_TAG_LENGTH:
            raise ValidationError(
                {"tags": [f"Tags are at most {MAX_TAG_LENGTH} characters: “{name[:20]}…”."]}
            )
        cleaned.setdefault(slug, name)
    if len(cleaned) > MAX_PRODUCT_TAGS:
        raise ValidationError({"tags": [f"Use at most {MAX_PRODUCT_TAGS} tags."]})
    tags = []
    for slug, name in cleaned.items():
        tag = Tag.objects.filter(slug=slug).first() or Tag.objects.filter(name=name).first()
        if tag is None:
            try:
                with transaction.atomic():  # savepoint: a concurrent create of the same tag
                    tag = Tag.objects.create(name=name, slug=slug)
            except IntegrityError:
                tag = Tag.objects.get(slug=slug)
        tags.append(tag)
    return tags


def _unique_slug(*, shop: Shop, title: str) -> str:
    base = slugify(title)[:130].strip("-") or "product"
    taken = set(
        Product.objects.filter(shop=shop, slug__startswith=base).values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _store_images(*, product: Product, clean_images: list[CleanImage], start: int) -> None:
    _images.store_ordered_images(
        ProductImage, clean_images, _images.PRODUCT, start=start, product=product
    )


def product_create(
    *,
    shop: Shop,
    title: str,
    description: str = "",
    price: Decimal,
    compare_at_price: Decimal | None = None,
    kind: str = ProductKind.PHYSICAL,
    stock: int | None = None,
    sku: str = "",
    tags: list[str] | None = None,
    images: list[CleanImage] | None = None,
    digital_file: UploadedFile | None = None,
) -> Product:
    """A new draft product with its tags, ordered images and download, all or nothing."""
    clean_images = images or []
    if digital_file is not None:
        _validate_digital_file(digital_file)
    _validate_product(
        title=title,
        price=price,
        compare_at_price=compare_at_price,
        kind=kind,
        stock=stock,
        image_count=len(clean_images),
    )
    with (
        _images.discard_on_error(),
        downloads.delete_on_error() as private_written,
        transaction.atomic(),
    ):
        tag_rows = _tags_by_name(tags or [])
        product = Product(
            shop=shop,
            title=title.strip(),
            description=description,
            description_html=markdown_to_html(description),
            price=Decimal(price),
            compare_at_price=compare_at_price,
            kind=kind,
            stock=stock,
            sku=sku.strip(),
            status=ProductStatus.DRAFT,
        )
        if digital_file is not None:
            _store_digital_file(product, digital_file, private_written)
        for attempt in range(SLUG_ATTEMPTS):
            product.slug = _unique_slug(shop=shop, title=product.title)
            try:
                # Savepoint: a concurrent create took the slug and committed, so the next
                # attempt sees it and draws the next number (one racer wins per attempt).
                with transaction.atomic():
                    product.save()
                break
            except IntegrityError:
                if attempt == SLUG_ATTEMPTS - 1:
                    raise
        product.tags.set(tag_rows)
        _store_images(product=product, clean_images=clean_images, start=0)
    return product


def product_update(
    *,
    product: Product,
    title: str,
    description: str = "",
    price: Decimal,
    compare_at_price: Decimal | None = None,
    kind: str = ProductKind.PHYSICAL,
    stock: int | None = None,
    sku: str = "",
    tags: list[str] | None = None,
    new_images: list[CleanImage] | None = None,
    remove_image_ids: list[int] | None = None,
    positions: dict[int, int] | None = None,
    alt_texts: dict[int, str] | None = None,
    digital_file: UploadedFile | None = None,
    remove_digital_file: bool = False,
) -> Product:
    """Edit a product: the slug stays; tags are replaced; images added, removed, reordered.

    `positions` maps image id -> wanted position; images are renumbered 0..n-1 in that
    order (an image moved to a slot goes before the one that sat there), and new images
    go after them. `alt_texts` maps image id -> its description for screen readers.
    """
    new_images = new_images or []
    remove = set(remove_image_ids or [])
    positions = positions or {}
    if digital_file is not None:
        _validate_digital_file(digital_file)
    with (
        _images.discard_on_error(),
        downloads.delete_on_error() as private_written,
        transaction.atomic(),
    ):
        product = Product.objects.select_for_update().get(pk=product.pk)
        old_price, was_in_stock = product.price, product.in_stock
        current = list(product.images.order_by("position", "id"))
        kept = [image for image in current if image.pk not in remove]
        removed = [image for image in current if image.pk in remove]
        _validate_product(
            title=title,
            price=price,
            compare_at_price=compare_at_price,
            kind=kind,
            stock=stock,
            image_count=len(kept) + len(new_images),
        )
        tag_rows = _tags_by_name(tags or [])
        product.title = title.strip()
        product.description = description
        product.description_html = markdown_to_html(description)
        product.price = Decimal(price)
        product.compare_at_price = compare_at_price
        product.kind = kind
        product.stock = stock
        product.sku = sku.strip()
        if (digital_file is not None or remove_digital_file) and product.digital_file:
            old_download = product.digital_file.name
            product.digital_file = ""
            transaction.on_commit(partial(downloads.delete_private_files, [old_download]))
        if digital_file is not None:
            _store_digital_file(product, digital_file, private_written)
        product.save()
        product.tags.set(tag_rows)
        # Fans who saved it hear about a lower price or its return (same transaction).
        saved.saved_alert_record(
            product=product,
            old_price=old_price,
            was_in_stock=was_in_stock,
            actor=product.shop.creator.user,
        )

        if removed:
            removed_ids = [image.pk for image in removed]
            # Files another row still shows (the demo seeder shares a pool) are kept.
            still_used = set(
                ProductImage.objects.filter(image__in=[image.image.name for image in removed])
                .exclude(pk__in=removed_ids)
                .values_list("image", flat=True)
            )
            old_files = [
                name
                for image in removed
                if image.image.name not in still_used
                for name in _image_files(image)
            ]
            ProductImage.objects.filter(pk__in=removed_ids).delete()
            transaction.on_commit(partial(_images.delete_files, old_files))

        def order(image: ProductImage) -> tuple[int, int, int]:
            wanted = positions.get(image.pk, image.position)
            # An image moved to a slot goes before the one that sat there.
            return (wanted, 0 if wanted != image.position else 1, image.position)

        kept.sort(key=order)
        alt_texts = alt_texts or {}
        for index, image in enumerate(kept):
            image.position = index
            image.alt_text = alt_texts.get(image.pk, image.alt_text).strip()[:200]
        ProductImage.objects.bulk_update(kept, ["position", "alt_text"])
        _store_images(product=product, clean_images=new_images, start=len(kept))
    return product


def _validate_digital_file(upload: UploadedFile) -> None:
    try:
        downloads.validate_digital_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"digital_file": exc.messages}) from exc


def _store_digital_file(product: Product, upload: UploadedFile, written: list[str]) -> None:
    product.digital_file.save(downloads.digital_file_name(upload.name or ""), upload, save=False)
    written.append(product.digital_file.name)


def _image_files(image: ProductImage) -> list[str]:
    return [image.image.name, *image.variants.values()]


def product_set_status(*, product: Product, status: str) -> Product:
    """Move a product along draft ⇄ published → archived → draft; refuse anything else."""
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        current = ProductStatus(product.status)
        target = ProductStatus(status)
        if target not in STATUS_TRANSITIONS[current]:
            raise ValidationError(
                f"This product is {current.label.lower()}: it can’t be {_STATUS_VERBS[target]}.",
                code="status_transition",
            )
        if target == ProductStatus.PUBLISHED:
            problems = []
            if not product.title.strip():
                problems.append("a title")
            if product.price is None:
                problems.append("a price")
            if product.kind == ProductKind.DIGITAL and not product.digital_file:
                problems.append("the file buyers download")
            if problems:
                raise ValidationError(
                    f"Add {' and '.join(problems)} before publishing.", code="incomplete"
                )
            if product.published_at is None:
                product.published_at = timezone.now()
        product.status = target
        product.save(update_fields=["status", "published_at", "updated_at"])
    return product


def product_publish(*, product: Product) -> Product:
    return product_set_status(product=product, status=ProductStatus.PUBLISHED)


def product_unpublish(*, product: Product) -> Product:
    return product_set_status(product=product, status=ProductStatus.DRAFT)


def product_archive(*, product: Product) -> Product:
    return product_set_status(product=product, status=ProductStatus.ARCHIVED)
