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
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename

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
    from shops.models import Product

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
