"""Celery tasks of reviews: thin, take ids, safe to run twice."""

from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from reviews import requests

RETRY = {
    "autoretry_for": (SMTPException, ConnectionError, DatabaseError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
}


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
