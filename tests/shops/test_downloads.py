"""Signed, expiring download links for the digital items of paid orders."""

import time
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signing import TimestampSigner
from django.urls import reverse

from shops import downloads
from shops.models import OrderStatus, ProductKind
from shops.orders import order_cancel, order_mark_paid
from shops.services import product_create
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTENT = b"%PDF-1.4 knitting pattern"


@pytest.fixture
def item(fan, creator):
    """A digital item of `fan`'s order from `creator`, awaiting payment."""
    product = ProductFactory(shop=creator.shop, kind=ProductKind.DIGITAL, stock=None)
    product.digital_file.save("abc123/pattern.pdf", ContentFile(CONTENT), save=True)
    order = OrderFactory(checkout__buyer=fan, shop=creator.shop, digital=True)
    return OrderItemFactory(order=order, product=product, quantity=1)


def _url(item, buyer_id=None):
    return downloads.download_url(order_item_id=item.pk, buyer_id=buyer_id or item.order.buyer_id)


def test_buyer_downloads_the_file_once_paid(fan_client, item):
    order_mark_paid(order=item.order)
    response = fan_client.get(_url(item))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT
    assert response["Content-Disposition"].startswith("attachment")
    assert "pattern.pdf" in response["Content-Disposition"]


SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)">'
    b"<script>alert(document.domain)</script></svg>"
)


@pytest.mark.parametrize(
    ("uploaded_as", "content", "saved_as"),
    [
        ("logo.svg", SVG_WITH_SCRIPT, "logo.svg"),
        ("page.html", b"<html><script>alert(1)</script></html>", "page.html"),
        ('a "quoted"; name.svg', SVG_WITH_SCRIPT, "a_quoted_name.svg"),
    ],
)
def test_any_upload_is_served_as_opaque_bytes_to_save(
    fan_client, fan, creator, uploaded_as, content, saved_as
):
    """An .svg or .html a creator uploads must never render on this site's origin: the
    buyer's browser gets a download, whatever the file holds."""
    product = product_create(
        shop=creator.shop,
        title="Logo pack",
        price=Decimal("3.00"),
        kind=ProductKind.DIGITAL,
        stock=None,
        digital_file=SimpleUploadedFile(uploaded_as, content, content_type="image/svg+xml"),
    )
    order = OrderFactory(checkout__buyer=fan, shop=creator.shop, digital=True)
    item = OrderItemFactory(order=order, product=product, quantity=1)
    order_mark_paid(order=order)

    response = fan_client.get(_url(item))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content  # the file, unchanged
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="{saved_as}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy


def test_order_page_shows_a_download_link_once_paid(fan_client, item):
    url = reverse("shops:order_detail", args=[item.order.number])
    assert "/downloads/" not in fan_client.get(url).content.decode()
    order_mark_paid(order=item.order)
    page = fan_client.get(url).content.decode()
    assert "/downloads/" in page and f"Download {item.title}" in page


def test_unpaid_order_is_refused(fan_client, item):
    assert fan_client.get(_url(item)).status_code == 404


def test_cancelled_order_is_refused(fan_client, item):
    order_mark_paid(order=item.order)
    order_cancel(order=item.order)
    assert item.order.status == OrderStatus.CANCELLED
    assert fan_client.get(_url(item)).status_code == 404


def test_another_user_and_anonymous_are_refused(client, item):
    order_mark_paid(order=item.order)
    url = _url(item)
    response = client.get(url)
    assert response.status_code == 302  # sign in first
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_a_link_signed_for_someone_else_is_refused(client, item):
    order_mark_paid(order=item.order)
    other = UserFactory()
    client.force_login(other)
    assert client.get(_url(item, buyer_id=other.pk)).status_code == 404


def test_tampered_token_is_refused(fan_client, item):
    order_mark_paid(order=item.order)
    token = downloads.download_token_make(order_item_id=item.pk, buyer_id=item.order.buyer_id)
    forged = f"{item.pk + 1}:{item.order.buyer_id}:" + token.split(":", 2)[2]
    for bad in (forged, token[:-2] + "xx", "nonsense"):
        assert fan_client.get(reverse("shops:download", args=[bad])).status_code == 404


def test_expired_link_says_so_and_links_back_to_the_order(fan_client, item, monkeypatch):
    order_mark_paid(order=item.order)
    past = time.time() - downloads.DOWNLOAD_MAX_AGE - 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: past)
    token = TimestampSigner(salt=downloads.DOWNLOAD_SALT).sign(f"{item.pk}:{item.order.buyer_id}")
    monkeypatch.undo()
    response = fan_client.get(reverse("shops:download", args=[token]))
    assert response.status_code == 410
    page = response.content.decode()
    assert "expired" in page
    # A page of the site, with the site's policy (its stylesheet allowed), not a file's.
    assert "sandbox" not in response["Content-Security-Policy"]
    assert reverse("shops:order_detail", args=[item.order.number]) in page


def test_expired_link_of_someone_else_is_a_plain_404(client, item, monkeypatch):
    past = time.time() - downloads.DOWNLOAD_MAX_AGE - 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: past)
    token = downloads.download_token_make(order_item_id=item.pk, buyer_id=item.order.buyer_id)
    monkeypatch.undo()
    client.force_login(UserFactory())
    assert client.get(reverse("shops:download", args=[token])).status_code == 404


def test_physical_item_has_no_download(fan_client, fan):
    order = OrderFactory(checkout__buyer=fan)
    physical = OrderItemFactory(order=order)
    order_mark_paid(order=order)
    assert fan_client.get(_url(physical)).status_code == 404
