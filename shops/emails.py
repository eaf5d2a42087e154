"""Order emails: which message goes to whom for each order event, sent at most once.

Called by `order_email_task` after the order's transaction has committed. The order row
is locked while its email is sent and recorded in `Order.emails_sent`, so a retried or
redelivered task never sends the same email twice.
"""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from shops.models import Order

logger = logging.getLogger(__name__)

# event -> who hears about it. "fan" is the buyer's email, "creator" the shop owner's.
RECIPIENTS = {
    "placed": ("fan", "creator"),
    "paid": ("fan",),
    "shipped": ("fan",),
    "delivered": ("fan",),
    "cancelled": ("fan", "creator"),
}


def _address(order: Order, who: str) -> str:
    return order.email if who == "fan" else order.shop.creator.user.email


def order_email_send(*, order_id: int, event: str) -> list[str]:
    """Send the emails of `event` for one order; return the recipients written to now."""
    if event not in RECIPIENTS:
        raise ValueError(f"unknown order email event {event!r}")
    sent = []
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("shop__creator__user")
            .filter(pk=order_id)
            .first()
        )
        if order is None:
            return sent
        for who in RECIPIENTS[event]:
            key = f"{event}:{who}"
            if key in order.emails_sent:
                continue
            context = {
                "order": order,
                "items": list(order.items.all()),
                "site_url": settings.SITE_URL.rstrip("/"),
                "fan_url": reverse("shops:order_detail", args=[order.number]),
                "creator_url": reverse("shops:studio_order", args=[order.number]),
            }
            subject = render_to_string(f"shops/email/{event}_{who}_subject.txt", context)
            body = render_to_string(f"shops/email/{event}_{who}.txt", context)
            send_mail(
                " ".join(subject.split()),
                body,
                settings.DEFAULT_FROM_EMAIL,
                [_address(order, who)],
            )
            order.emails_sent.append(key)
            sent.append(who)
        order.save(update_fields=["emails_sent"])
    return sent


def order_email_on_commit(order_id: int, event: str) -> None:
    """Send `event`'s emails once the current transaction commits (never before, never
    for a rolled-back order). A broker outage is logged and does not fail the request."""
    transaction.on_commit(partial(_enqueue, order_id, event))


def _enqueue(order_id: int, event: str) -> None:
    from shops.tasks import order_email_task

    try:
        order_email_task.delay(order_id, event)
    except Exception:
        logger.exception("could not enqueue the %s email of order %s", event, order_id)
