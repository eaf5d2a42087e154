"""A fan opens a shop: profile, shop and first event, all or nothing."""

from functools import partial

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.urls import reverse

from creators.models import CreatorProfile, EngagementEvent, EventKind
from shops.models import Shop
from shops.services import shop_open
from tests.factories import CreatorProfileFactory
from tests.images import fake_upload, image_upload

pytestmark = pytest.mark.django_db
OPEN_URL = reverse("shops:open")


def _post(client, **overrides):
    data = {"handle": "Ana_Makes", "display_name": "Ana’s Ceramics", "bio": "Mugs & bowls."}
    data.update(overrides)
    return client.post(OPEN_URL, data, follow=True)


def _media_files():
    try:
        return default_storage.listdir("avatars")[1] + default_storage.listdir("banners")[1]
    except FileNotFoundError:
        return []


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(OPEN_URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_fan_opens_a_shop_with_images_and_sees_their_page(fan_client, fan):
    response = _post(
        fan_client,
        avatar=image_upload("me.jpg", "JPEG", size=(300, 300)),
        banner=image_upload("wide.png", "PNG", size=(1200, 400)),
    )

    assert response.redirect_chain[-1][0] == "/@Ana_Makes/"
    profile = CreatorProfile.objects.get(user=fan)
    assert profile.shop.name == "Ana’s Ceramics"
    assert profile.shop.currency == "EUR"
    assert set(profile.avatar_variants) == {"sm", "md", "lg"}
    assert set(profile.banner_variants) == {"md", "lg"}
    page = response.content.decode()
    assert "Ana’s Ceramics" in page
    assert "Mugs &amp; bowls." in page
    assert profile.avatar_urls["lg"] in page
    assert profile.banner_urls["md"] in page
    assert "Your shop is open" in page
    image = fan_client.get(profile.avatar_urls["md"])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/webp"


def test_opening_a_shop_records_its_first_event_and_dispatches_it(
    fan_client, fan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _post(fan_client)
    published = [c.args[0].name for c in callbacks if isinstance(c, partial)]
    assert published == ["creators.tasks.event_dispatch_task"]  # exactly one dispatch
    event = EngagementEvent.objects.get()
    assert event.kind == EventKind.SHOP_OPENED
    assert event.actor == fan
    assert event.creator == fan.creator_profile
    assert event.target == fan.creator_profile.shop
    assert event.dispatched_at is not None  # tasks run in-process on the embedded default


@pytest.mark.parametrize(
    ("handle", "message"),
    [
        ("ab", "A handle has 3 to 30 characters."),
        ("x" * 31, "A handle has 3 to 30 characters."),
        ("ana makes", "Use only letters, digits and underscores"),
        ("admin", "is reserved"),
        ("Studio", "is reserved"),
    ],
)
def test_bad_handle_shows_a_clear_message_and_creates_nothing(fan_client, handle, message):
    response = _post(fan_client, handle=handle, avatar=image_upload())
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CreatorProfile.objects.exists()
    assert not Shop.objects.exists()
    assert not EngagementEvent.objects.exists()
    assert _media_files() == []


def test_handle_is_unique_regardless_of_case(fan_client):
    CreatorProfileFactory(handle="ana_makes")
    response = _post(fan_client, handle="ANA_MAKES")
    assert "That handle is already taken" in response.content.decode()
    assert CreatorProfile.objects.count() == 1


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (fake_upload("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "SVG and HTML"),
        (fake_upload("x.png", b"<html><script>alert(1)</script></html>"), "SVG and HTML"),
        (fake_upload("x.png", b"GIF89a-not-really"), "not a valid image"),
        (image_upload("x.bmp", "BMP"), "BMP images are not accepted"),
    ],
)
def test_bad_image_shows_a_clear_message_and_saves_nothing(fan_client, upload, message):
    response = _post(fan_client, avatar=image_upload(), banner=upload)
    assert message in response.content.decode()
    assert not CreatorProfile.objects.exists()
    assert _media_files() == []


def test_a_creator_cannot_open_a_second_shop(creator_client, creator):
    response = creator_client.get(OPEN_URL, follow=True)
    assert "You already have a shop" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("creators:studio")


def test_failure_after_writing_images_rolls_everything_back(fan, monkeypatch):
    # Given the shop insert fails after the profile and images were written…
    def boom(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(Shop.objects, "create", boom)
    from core.images import clean_image_upload

    with pytest.raises(IntegrityError):
        shop_open(
            user=fan,
            handle="ana",
            display_name="Ana",
            avatar=clean_image_upload(image_upload()),
        )
    # …then nothing of the use case remains: no rows, no event, no files.
    assert not CreatorProfile.objects.exists()
    assert not EngagementEvent.objects.exists()
    assert _media_files() == []


def test_form_requires_csrf(fan):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(fan)
    response = client.post(OPEN_URL, {"handle": "ana", "display_name": "Ana"})
    assert response.status_code == 403
    assert not CreatorProfile.objects.exists()
