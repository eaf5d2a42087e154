"""Celery tasks of the shop: thin, take ids, safe to run twice."""

from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from shops import emails


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, DatabaseError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def order_email_task(order_id: int, event: str) -> None:
    emails.order_email_send(order_id=order_id, event=event)
