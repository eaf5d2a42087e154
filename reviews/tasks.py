"""Celery tasks of reviews: thin, take ids, safe to run twice."""

from smtplib import SMTPException

from celery import shared_task

from core.tasks import RETRY as EVENT_RETRY
from reviews import requests

# The engagement tasks' retry policy, plus mail servers' hiccups.
RETRY = {**EVENT_RETRY, "autoretry_for": (SMTPException, *EVENT_RETRY["autoretry_for"])}


@shared_task(**RETRY)
def review_requests_due_task() -> int:
    """Beat: enqueue the review request of every order that became due."""
    order_ids = requests.review_requests_due()
    for order_id in order_ids:
        review_request_send_task.delay(order_id)
    return len(order_ids)


@shared_task(**RETRY)
def review_request_send_task(order_id: int) -> None:
    requests.review_request_send(order_id=order_id)
