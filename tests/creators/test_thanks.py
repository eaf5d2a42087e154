"""Thank-you notes: a creator thanks a fan who interacted with them, within limits."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from creators.models import EventKind, Notification, NotificationChannel, ThankYouNote
from tests.creators.metrics_events import comment, event, follow, order, review
from tests.factories import (
    CreatorProfileFactory,
    OrderFactory,
    ProductFactory,
    ReviewFactory,
    ShopFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def thank_url(fan):
    return reverse("creators:thank_fan", args=[fan.pk])


def bell(user):
    return Notification.objects.filter(
        recipient=user, channel=NotificationChannel.IN_APP, kind=EventKind.THANK_YOU
    )


@pytest.fixture
def buyer(creator):
    fan = UserFactory(name="Lena Buyer", email="lena@example.com")
    order(creator, fan, timezone.now() - timedelta(days=3), "24.00")
    return fan


def send(client, fan, body="Thank you for your order — it made my week!", **extra):
    return client.post(thank_url(fan), {"body": body, **extra})


# --- Who can be thanked ------------------------------------------------------------------


def test_a_creator_thanks_a_buyer_and_it_reaches_the_fans_notifications_and_inbox(
    creator, creator_client, buyer, django_capture_on_commit_callbacks, mailoutbox
):
    page = creator_client.get(thank_url(buyer)).content.decode()
    assert "Thank Lena Buyer" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = send(creator_client, buyer, next=reverse("creators:studio"))
    assert response.status_code == 302
    assert response["Location"] == reverse("creators:studio")
    note = ThankYouNote.objects.get()
    assert (note.creator, note.fan) == (creator, buyer)
    assert bell(buyer).count() == 1
    # By email too (recognition emails are on by default), with the whole note.
    (mail,) = [m for m in mailoutbox if m.to == [buyer.email]]
    assert mail.subject == f"A thank-you note from {creator.display_name}"
    assert "it made my week!" in mail.body

    fan_client = Client()
    fan_client.force_login(buyer)
    notifications = fan_client.get(reverse("creators:notifications")).content.decode()
    assert f"{creator.display_name} sent you a thank-you note" in notifications
    assert f"{reverse('creators:thank_you_notes')}#note-{note.pk}" in notifications
    notes = fan_client.get(reverse("creators:thank_you_notes")).content.decode()
    assert "it made my week!" in notes and creator.display_name in notes


@pytest.mark.parametrize("how", ["comment", "review", "referral"])
def test_fans_who_talked_reviewed_or_brought_a_sale_can_be_thanked(creator, creator_client, how):
    fan = UserFactory()
    when = timezone.now() - timedelta(days=1)
    if how == "comment":
        comment(creator, fan, when)
    elif how == "review":
        review(creator, fan, when, 5)
    else:
        event(EventKind.REFERRAL_PURCHASE, creator=creator, actor=fan, when=when)
    assert send(creator_client, fan).status_code == 302
    assert ThankYouNote.objects.filter(fan=fan).exists()


def test_a_fan_who_never_interacted_is_refused_with_a_clear_message(
    creator, creator_client, django_capture_on_commit_callbacks
):
    stranger = UserFactory(name="Sam Stranger")
    follower = UserFactory(name="Fay Follower")
    follow(creator, follower, timezone.now() - timedelta(days=30))  # following is not enough
    elsewhere = UserFactory()
    comment(CreatorProfileFactory(), elsewhere, timezone.now())  # talked to someone else
    for fan in (stranger, follower, elsewhere):
        page = creator_client.get(thank_url(fan))
        assert page.status_code == 403
        text = page.content.decode()
        assert "hasn’t interacted with you yet" in text
        assert fan.name not in text  # no way to look people up by id
        with django_capture_on_commit_callbacks(execute=True):
            assert send(creator_client, fan).status_code == 403
    assert not ThankYouNote.objects.exists()
    assert not Notification.objects.filter(kind=EventKind.THANK_YOU).exists()


def test_only_creators_send_notes_and_unknown_fans_are_404(client, buyer, creator):
    client.force_login(UserFactory())  # a fan without a shop
    assert client.get(thank_url(buyer)).status_code == 404
    assert send(client, buyer).status_code == 404
    client.force_login(creator.user)
    assert client.get(reverse("creators:thank_fan", args=[999999])).status_code == 404
    assert client.get(thank_url(creator.user)).status_code == 403  # not yourself
    client.logout()
    assert reverse("account_login") in client.get(thank_url(buyer))["Location"]


def test_sending_needs_a_csrf_token(creator, buyer):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(creator.user)
    assert send(strict, buyer).status_code == 403
    assert not ThankYouNote.objects.exists()


# --- What a note may say -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   ", "Write a few words of thanks first."),
        ("x" * 501, "Keep the note to 500 characters"),
    ],
)
def test_an_empty_or_long_note_is_refused_and_kept_on_the_page(
    creator_client, buyer, body, message
):
    response = send(creator_client, buyer, body=body)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ThankYouNote.objects.exists()


def test_a_note_is_shown_as_plain_text_everywhere(
    creator_client, buyer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(creator_client, buyer, body="<script>alert(1)</script> **thanks**\x07")
    assert ThankYouNote.objects.get().body == "<script>alert(1)</script> **thanks**"
    fan_client = Client()
    fan_client.force_login(buyer)
    for url in (reverse("creators:thank_you_notes"), reverse("creators:notifications")):
        page = fan_client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- Rate limits -------------------------------------------------------------------------


def test_one_note_per_fan_per_day(creator_client, buyer, time_machine):
    assert send(creator_client, buyer).status_code == 302
    again = send(creator_client, buyer, body="And thanks again!")
    assert again.status_code == 400
    assert "You already thanked Lena Buyer today" in again.content.decode()
    assert ThankYouNote.objects.count() == 1
    time_machine.move_to(NOW + timedelta(days=1), tick=False)
    assert send(creator_client, buyer, body="Thanks for coming back!").status_code == 302
    assert ThankYouNote.objects.count() == 2


def test_a_creator_sends_at_most_the_daily_cap(creator, creator_client, settings, time_machine):
    settings.THANK_YOU_DAILY_CAP = 2
    fans = UserFactory.create_batch(3)
    for fan in fans:
        comment(creator, fan, timezone.now() - timedelta(hours=1))
    assert [send(creator_client, fan).status_code for fan in fans] == [302, 302, 400]
    page = send(creator_client, fans[2]).content.decode()
    assert "You have sent 2 thank-you notes today, the daily limit" in page
    assert ThankYouNote.objects.count() == 2
    # Another creator's notes do not count against this one's cap.
    other = ShopFactory().creator
    comment(other, fans[2], timezone.now())
    client = Client()
    client.force_login(other.user)
    assert send(client, fans[2]).status_code == 302
    time_machine.move_to(NOW + timedelta(days=1), tick=False)
    assert send(creator_client, fans[2]).status_code == 302


def test_posting_many_notes_quickly_is_rate_limited(creator_client, creator):
    fans = UserFactory.create_batch(2)
    for fan in fans:
        comment(creator, fan, timezone.now())
    responses = [send(creator_client, fans[0]) for _ in range(61)]
    assert responses[-1].status_code == 429


# --- Where creators find the form --------------------------------------------------------


def test_the_order_page_and_studio_reviews_link_to_the_note_form(creator, creator_client, buyer):
    placed = OrderFactory(shop=creator.shop, checkout__buyer=buyer, status="paid")
    page = creator_client.get(reverse("shops:studio_order", args=[placed.number]))
    assert thank_url(buyer) in page.content.decode()
    ReviewFactory(product=ProductFactory(shop=creator.shop), author=buyer)
    page = creator_client.get(reverse("reviews:studio")).content.decode()
    assert thank_url(buyer) in page
    assert 'Send a thank-you note<span class="visually-hidden"> to' in page
