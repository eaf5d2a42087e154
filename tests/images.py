"""Upload files for tests: real images made with Pillow, and files that only pretend."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(fmt="PNG", size=(40, 30), color=(200, 80, 20), exif=None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def image_upload(name="photo.png", fmt="PNG", **kwargs) -> SimpleUploadedFile:
    content_type = {
        "PNG": "image/png",
        "JPEG": "image/jpeg",
        "WEBP": "image/webp",
        "GIF": "image/gif",
        "BMP": "image/bmp",
        "TIFF": "image/tiff",
    }[fmt]
    return SimpleUploadedFile(name, image_bytes(fmt, **kwargs), content_type=content_type)


def fake_upload(name, content: bytes, content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
