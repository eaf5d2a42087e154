"""The one upload gate: real images in, everything else out with a clear message."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from core import images
from tests.images import fake_upload, image_bytes, image_upload


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_accepted_formats_are_decoded(fmt):
    clean = images.clean_image_upload(image_upload(f"x.{fmt.lower()}", fmt, size=(50, 20)))
    assert clean.source_format == fmt
    assert clean.image.size == (50, 20)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            fake_upload("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
            "SVG and HTML files are not accepted",
        ),
        (
            fake_upload("evil.png", b"<?xml version='1.0'?><svg onload='alert(1)'/>"),
            "SVG and HTML files are not accepted",
        ),
        (
            fake_upload("page.png", b"<html><body><script>alert(1)</script></body></html>"),
            "SVG and HTML files are not accepted",
        ),
        (fake_upload("notes.png", b"just some text, not an image"), "not a valid image"),
        (fake_upload("cut.png", image_bytes("PNG")[:60]), "not a valid image"),
        (image_upload("old.bmp", "BMP"), "BMP images are not accepted"),
        (image_upload("scan.tiff", "TIFF"), "TIFF images are not accepted"),
    ],
)
def test_rejected_files_say_why(upload, message):
    with pytest.raises(ValidationError) as excinfo:
        images.clean_image_upload(upload)
    assert message in excinfo.value.messages[0]


def test_too_many_bytes_is_refused_before_decoding(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1000
    upload = image_upload("big.png", "PNG", size=(400, 400))
    upload.size = 5000
    with pytest.raises(ValidationError, match="images may be at most"):
        images.clean_image_upload(upload)


def test_too_many_pixels_is_refused(settings):
    settings.IMAGE_UPLOAD_MAX_PIXELS = 100 * 100
    with pytest.raises(ValidationError, match="megapixels"):
        images.clean_image_upload(image_upload("wide.png", "PNG", size=(101, 100)))


def test_decompression_bomb_is_refused(settings, monkeypatch):
    # A small file that claims a huge canvas trips Pillow's own bomb guard.
    settings.IMAGE_UPLOAD_MAX_PIXELS = 10**12
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 50)
    with pytest.raises(ValidationError, match="too many pixels"):
        images.clean_image_upload(image_upload("bomb.png", "PNG", size=(20, 20)))


def _jpeg_with_exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS
    return image_bytes("JPEG", size=(60, 20), exif=exif.tobytes())


def test_exif_orientation_applied_and_metadata_stripped():
    upload = fake_upload("phone.jpg", _jpeg_with_exif(6), "image/jpeg")
    clean = images.clean_image_upload(upload)
    assert clean.image.size == (20, 60)  # rotated upright
    stored = images.store_image(clean, images.AVATAR)
    with default_storage.open(stored.name) as fh:
        saved = Image.open(io.BytesIO(fh.read()))
        assert saved.size == (20, 60)
        assert not saved.getexif()
        assert "exif" not in saved.info


def test_store_image_writes_original_and_every_variant():
    clean = images.clean_image_upload(image_upload("a.png", "PNG", size=(900, 500)))
    stored = images.store_image(clean, images.AVATAR)
    assert set(stored.variants) == {"sm", "md", "lg"}
    for key, variant in images.AVATAR.variants.items():
        with default_storage.open(stored.variants[key]) as fh:
            img = Image.open(io.BytesIO(fh.read()))
            assert img.format == "WEBP"
            assert img.size == (variant.width, variant.height)
    assert default_storage.exists(stored.name)


def test_discard_on_error_removes_files_written_in_the_block():
    clean = images.clean_image_upload(image_upload())
    with pytest.raises(RuntimeError), images.discard_on_error():
        stored = images.store_image(clean, images.BANNER)
        raise RuntimeError("the use case failed after writing")
    assert not any(default_storage.exists(name) for name in stored.names)
