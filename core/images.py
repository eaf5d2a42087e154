"""
The one gate for uploaded images (avatars, banners and every later upload).

An upload is accepted only if Pillow decodes it as JPEG, PNG, WebP or GIF within the byte
and pixel limits. It is then re-encoded from pixels: EXIF orientation is applied and all
metadata (GPS, camera, comments, anything smuggled after the image data) is dropped.
Resized WebP variants are written next to the cleaned original.
"""

import io
import logging
import uuid
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

# Pillow format name -> file extension of the cleaned original.
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "png"}
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp,image/gif"
ORIGINAL_MAX_SIDE = 3000
_MARKUP_PREFIXES = (b"<?xml", b"<svg", b"<!doctype", b"<html", b"<head", b"<body", b"<script")


@dataclass(frozen=True)
class Variant:
    width: int
    height: int
    crop: bool = True  # crop to exactly width x height; otherwise fit inside


@dataclass(frozen=True)
class ImageSpec:
    folder: str
    variants: dict[str, Variant]


AVATAR = ImageSpec(
    folder="avatars",
    variants={"sm": Variant(64, 64), "md": Variant(160, 160), "lg": Variant(400, 400)},
)
BANNER = ImageSpec(
    folder="banners",
    variants={"md": Variant(960, 320), "lg": Variant(1800, 600)},
)

PRODUCT = ImageSpec(
    folder="products",
    variants={
        "grid": Variant(480, 480),
        "page": Variant(1000, 1000, crop=False),
        "zoom": Variant(2000, 2000, crop=False),
    },
)

POST = ImageSpec(
    folder="posts",
    variants={"feed": Variant(1000, 1000, crop=False), "thumb": Variant(320, 320)},
)


@dataclass
class CleanImage:
    """A decoded, upright, metadata-free image that passed validation."""

    image: Image.Image
    source_format: str
    original_name: str = ""


@dataclass
class StoredImage:
    name: str
    variants: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [self.name, *self.variants.values()]


def _reject_markup(head: bytes) -> None:
    text = head.lstrip().lower()
    if text.startswith(_MARKUP_PREFIXES) or b"<svg" in text[:512]:
        raise ValidationError(
            "SVG and HTML files are not accepted. Upload a JPEG, PNG, WebP or GIF image.",
            code="image_markup",
        )


def clean_image_upload(upload) -> CleanImage:
    """Validate an uploaded file and return it decoded; raise ValidationError otherwise."""
    max_bytes = settings.IMAGE_UPLOAD_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            "This file is %(size)s; images may be at most %(max)s.",
            code="image_too_large",
            params={"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
        )
    upload.seek(0)
    _reject_markup(upload.read(1024))
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(upload)
            source_format = probe.format
            if source_format not in ACCEPTED_FORMATS:
                raise ValidationError(
                    "%(format)s images are not accepted. Upload a JPEG, PNG, WebP or GIF image.",
                    code="image_format",
                    params={"format": source_format or "This kind of"},
                )
            width, height = probe.size
            if width * height > settings.IMAGE_UPLOAD_MAX_PIXELS:
                raise ValidationError(
                    "This image is %(width)d × %(height)d pixels; please upload one under "
                    "%(mp)d megapixels.",
                    code="image_too_many_pixels",
                    params={
                        "width": width,
                        "height": height,
                        "mp": settings.IMAGE_UPLOAD_MAX_PIXELS // 1_000_000,
                    },
                )
            probe.verify()
            upload.seek(0)
            image = Image.open(upload)
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            "This image has too many pixels to process safely.", code="image_too_many_pixels"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValidationError(
            "This file is not a valid image (or it is damaged). Upload a JPEG, PNG, WebP or "
            "GIF image.",
            code="image_invalid",
        ) from exc
    finally:
        upload.seek(0)

    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    pixels = image.convert("RGBA" if has_alpha else "RGB")
    # A fresh image carries pixels only: no EXIF, ICC, XMP, comments or extra chunks.
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    clean.thumbnail((ORIGINAL_MAX_SIDE, ORIGINAL_MAX_SIDE), Image.Resampling.LANCZOS)
    return CleanImage(image=clean, source_format=source_format, original_name=upload.name or "")


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=88, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=85, method=4)
    else:
        image.save(buffer, "PNG", compress_level=6)  # optimize=True costs ~10x the time
    return buffer.getvalue()


def _resize(image: Image.Image, variant: Variant) -> Image.Image:
    size = (variant.width, variant.height)
    if variant.crop:
        return ImageOps.fit(image, size, Image.Resampling.LANCZOS)
    copy = image.copy()
    copy.thumbnail(size, Image.Resampling.LANCZOS)
    return copy


# Files written inside `discard_on_error()` are deleted again if the block raises, so a
# use case that fails after writing its images leaves no orphaned files behind.
_written: ContextVar[list[str] | None] = ContextVar("images_written", default=None)


@contextmanager
def discard_on_error() -> Iterator[None]:
    written: list[str] = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        delete_files(written)
        raise
    finally:
        _written.reset(token)


def store_image(clean: CleanImage, spec: ImageSpec) -> StoredImage:
    """Write the cleaned original and every variant of `spec`; return their storage names."""
    stem = f"{spec.folder}/{uuid.uuid4().hex}"
    out_format = "PNG" if clean.source_format == "GIF" else clean.source_format
    if out_format == "JPEG" and clean.image.mode == "RGBA":
        out_format = "PNG"
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[out_format]
    stored = StoredImage(
        name=default_storage.save(
            f"{stem}.{extension}", ContentFile(_encode(clean.image, out_format))
        )
    )
    batch = _written.get()
    if batch is not None:
        batch.append(stored.name)
    for key, variant in spec.variants.items():
        data = _encode(_resize(clean.image, variant), "WEBP")
        stored.variants[key] = default_storage.save(f"{stem}_{key}.webp", ContentFile(data))
        if batch is not None:
            batch.append(stored.variants[key])
    return stored


def store_ordered_images(
    model,
    clean_images: list[CleanImage],
    spec: ImageSpec,
    *,
    start: int = 0,
    alt_text: str = "",
    **owner,
) -> list:
    """Store each image through `spec` and insert its `model` row (a
    `creators.models.OrderedImage`, e.g. ProductImage or PostImage) at positions `start`,
    `start + 1`…; `owner` names the parent (`product=…`, `post=…`)."""
    rows = []
    for offset, clean in enumerate(clean_images):
        stored = store_image(clean, spec)
        rows.append(
            model(
                image=stored.name,
                variants=stored.variants,
                alt_text=alt_text.strip()[:200],
                position=start + offset,
                **owner,
            )
        )
    return model.objects.bulk_create(rows)


def delete_files(names) -> None:
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete image file %s", name, exc_info=True)


class VariantURLs(Mapping):
    """URLs of an image's variants, built only for the sizes a template asks for."""

    def __init__(self, variants: dict[str, str] | None):
        self._names = variants or {}

    def __getitem__(self, key: str) -> str:
        return default_storage.url(self._names[key])

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class ImageUploadField(forms.FileField):
    """Form field that runs `clean_image_upload` and hands the view a `CleanImage`."""

    widget = forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return None
        return clean_image_upload(upload)
