"""Review requests: emailed once per order, N days after delivery (or payment, digital)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from reviews.models import ReviewEmailOptOut, ReviewRequest, ReviewRequestOutcome
from reviews.requests import review_request_send, unsubscribe_token
from reviews.services import ReviewInput, review_write
from reviews.tasks import review_requests_due_task
from shops.models import OrderStatus, ProductKind
from tests.factories import ProductFactory, UserFactory, paid_order_of

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def delivered(mug, time_machine):
    """An order of the mug delivered at START."""
    time_machine.move_to(START - timedelta(days=3), tick=False)
    fan = UserFactory(email="bea@example.com", name="Bea Buyer")
    return paid_order_of(buyer=fan, product=mug, status=OrderStatus.DELIVERED, delivered_at=START)


def test_the_fan_is_emailed_once_seven_days_after_delivery(delivered, mug, time_machine, settings):
    time_machine.move_to(START + timedelta(days=6, hours=23), tick=False)
    assert review_requests_due_task() == 0
    assert mail.outbox == []

    time_machine.move_to(START + timedelta(days=7, minutes=1), tick=False)
    assert review_requests_due_task() == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["bea@example.com"]
    assert mug.shop.name in email.subject
    write_url = reverse("reviews:write", args=[mug.shop.creator.handle, mug.slug])
    assert f"Review “Speckled mug”: {settings.SITE_URL.rstrip('/')}{write_url}" in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ReviewRequest.objects.get().outcome == ReviewRequestOutcome.SENT

    # The next runs, and a redelivered send, email nothing more.
    time_machine.move_to(START + timedelta(days=8), tick=False)
    assert review_requests_due_task() == 0
    assert review_request_send(order_id=delivered.pk) is None
    assert len(mail.outbox) == 1


def test_the_delay_is_configurable(delivered, settings, time_machine):
    settings.REVIEW_REQUEST_AFTER_DAYS = 2
    time_machine.move_to(START + timedelta(days=2, minutes=1), tick=False)
    assert review_requests_due_task() == 1 and len(mail.outbox) == 1


def test_digital_orders_are_asked_after_payment(creator, time_machine):
    ebook = ProductFactory(shop=creator.shop, kind=ProductKind.DIGITAL, stock=None)
    time_machine.move_to(START, tick=False)
    paid_order_of(buyer=UserFactory(), product=ebook, paid_at=START)
    shipped = paid_order_of(buyer=UserFactory(), product=ProductFactory(shop=creator.shop),
                            status=OrderStatus.SHIPPED, paid_at=START)  # fmt: skip
    time_machine.move_to(START + timedelta(days=7, minutes=1), tick=False)
    assert review_requests_due_task() == 1  # the shipped one waits for delivery
    assert not ReviewRequest.objects.filter(order=shipped).exists()


def test_opted_out_fans_get_nothing_and_the_decision_is_kept(delivered, time_machine):
    ReviewEmailOptOut.objects.create(user=delivered.buyer)
    time_machine.move_to(START + timedelta(days=7, minutes=1), tick=False)
    review_requests_due_task()
    assert mail.outbox == []
    assert ReviewRequest.objects.get().outcome == ReviewRequestOutcome.OPTED_OUT


def test_nothing_is_sent_when_everything_is_reviewed_already(delivered, mug, time_machine):
    review_write(author=delivered.buyer, product=mug, data=ReviewInput(rating=5))
    time_machine.move_to(START + timedelta(days=7, minutes=1), tick=False)
    review_requests_due_task()
    assert mail.outbox == []
    assert ReviewRequest.objects.get().outcome == ReviewRequestOutcome.NOTHING_TO_REVIEW


def test_old_orders_are_never_asked_about(delivered, time_machine):
    time_machine.move_to(START + timedelta(days=60), tick=False)
    assert review_requests_due_task() == 0


def test_the_unsubscribe_link_turns_the_emails_off_with_one_click(client, delivered):
    url = reverse("reviews:unsubscribe", args=[unsubscribe_token(delivered.buyer_id)])
    page = client.get(url)
    assert "Stop review request emails?" in page.content.decode()
    assert not ReviewEmailOptOut.objects.exists()  # a GET (link scanners) changes nothing
    response = client.post(url)  # what the button and one-click mail clients send
    assert "You’re unsubscribed" in response.content.decode()
    assert ReviewEmailOptOut.objects.filter(user=delivered.buyer).exists()
    assert client.get(url[:-3] + "xx/").status_code == 404
