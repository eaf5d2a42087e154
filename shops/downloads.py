"""Digital goods: the file a digital product delivers, kept in private storage.

Files live under PRIVATE_MEDIA_ROOT (shops.storage.PrivateFileStorage), which has no URL:
buyers will reach them only through a signed, expiring download link that arrives with
orders. Any file type is accepted; only the size is limited.
"""

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.text import get_valid_filename

from shops.models import OrderItem, Product, ProductKind
from shops.orders import PAID_STATUSES

logger = logging.getLogger(__name__)

DIGITAL_FILE_MAX_BYTES = 200 * 1024 * 1024
NAME_MAX_LENGTH = 120


def validate_digital_upload(upload: UploadedFile) -> None:
    if upload.size == 0:
        raise ValidationError("This file is empty.", code="digital_empty")
    if upload.size > DIGITAL_FILE_MAX_BYTES:
        raise ValidationError(
            "This file is %(size)s; downloads may be at most %(max)s.",
            code="digital_too_large",
            params={
                "size": filesizeformat(upload.size),
                "max": filesizeformat(DIGITAL_FILE_MAX_BYTES),
            },
        )


def digital_file_name(original: str) -> str:
    """A random folder keeps names unguessable; the original name is what buyers get."""
    try:
        safe = get_valid_filename(original.rsplit("/", 1)[-1])
    except Exception:  # noqa: BLE001 - get_valid_filename refuses names like ".."
        safe = ""
    if len(safe) > NAME_MAX_LENGTH:
        stem, dot, extension = safe.rpartition(".")
        safe = (stem[: NAME_MAX_LENGTH - 10] + dot + extension[:8]) if dot else safe[:120]
    return f"{uuid.uuid4().hex}/{safe or 'download'}"


def digital_display_name(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def private_storage():

    return Product._meta.get_field("digital_file").storage


def delete_private_files(names) -> None:
    storage = private_storage()
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except OSError:
            logger.warning("could not delete private file %s", name, exc_info=True)


@contextmanager
def delete_on_error() -> Iterator[list[str]]:
    """Private files whose names are appended to the yielded list are deleted again if the
    block raises, so a failed use case leaves no orphaned download behind."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        delete_private_files(written)
        raise


# Signed download links ----------------------------------------------------------------------

DOWNLOAD_SALT = "relcommerce.download"
DOWNLOAD_MAX_AGE = 24 * 60 * 60  # seconds a link stays valid


class DownloadLinkExpired(Exception):
    """The link was genuine but is older than DOWNLOAD_MAX_AGE; `item` is its order item
    when the signed-in user is its buyer (so the page can link back to the order)."""

    def __init__(self, item=None):
        super().__init__("download link expired")
        self.item = item


def _signer():

    return TimestampSigner(salt=DOWNLOAD_SALT)


def download_token_make(*, order_item_id: int, buyer_id: int) -> str:
    return _signer().sign(f"{order_item_id}:{buyer_id}")


def download_url(*, order_item_id: int, buyer_id: int) -> str:

    token = download_token_make(order_item_id=order_item_id, buyer_id=buyer_id)
    return reverse("shops:download", args=[token])


def download_token_read(token: str) -> tuple[int, int] | None:
    """(order_item_id, buyer_id) of a genuine, fresh token; None if forged or malformed.

    Raises DownloadLinkExpired for a genuine token past its age.
    """

    signer = _signer()
    try:
        value = signer.unsign(token, max_age=DOWNLOAD_MAX_AGE)
    except SignatureExpired:
        raise DownloadLinkExpired(_parse(signer.unsign(token))) from None
    except BadSignature:
        return None
    return _parse(value)


def _parse(value: str) -> tuple[int, int] | None:
    item_id, _, buyer_id = value.partition(":")
    if not (item_id.isdigit() and buyer_id.isdigit()):
        return None
    return int(item_id), int(buyer_id)


def download_item_for_buyer(*, token: str, user):
    """The paid digital order item the token names, for its buyer only; else None.

    Raises DownloadLinkExpired for a genuine but old link; it carries the order item only
    if the signed-in user is its buyer, so nobody else learns which order it names.
    """

    try:
        read = download_token_read(token)
    except DownloadLinkExpired as expired:
        stale, item = expired.item, None
        if stale is not None and user.is_authenticated and stale[1] == user.pk:
            item = (
                OrderItem.objects.select_related("order")
                .filter(pk=stale[0], order__buyer_id=user.pk)
                .first()
            )
        raise DownloadLinkExpired(item) from None
    if read is None or not user.is_authenticated:
        return None
    item_id, buyer_id = read
    if buyer_id != user.pk:
        return None
    item = (
        OrderItem.objects.select_related("order", "product")
        .filter(
            pk=item_id,
            kind=ProductKind.DIGITAL,
            order__buyer_id=user.pk,
            order__status__in=PAID_STATUSES,
        )
        .first()
    )
    if item is None or item.product is None or not item.product.digital_file:
        return None
    return item
