"""Order emails: which message goes to whom for each order event, in the shop's words.

They travel the engagement pipeline like every notification (creators/notify.py): the
order's event is the outbox, so an email whose enqueue failed in a broker outage is sent
once the sweeper dispatches the event, and the notification row is locked and stamped
when it goes out, so a retried task never sends it twice. This module only decides the
recipients and renders the message; the buyer's goes to the address given at checkout.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from creators import notify
from creators.models import EngagementEvent, EventKind, Notification
from shops.models import Order

# event kind -> (template prefix, who hears about it). "fan" is the buyer, "creator" the
# shop's owner.
EMAILS = {
    EventKind.ORDER_PLACED: ("placed", ("fan", "creator")),
    EventKind.ORDER_PAID: ("paid", ("fan",)),
    EventKind.ORDER_SHIPPED: ("shipped", ("fan",)),
    EventKind.ORDER_DELIVERED: ("delivered", ("fan",)),
    EventKind.ORDER_CANCELLED: ("cancelled", ("fan", "creator")),
}


def order_email_recipients(event: EngagementEvent) -> list[int]:
    _, who = EMAILS[event.kind]
    ids = {"fan": event.payload.get("buyer_id"), "creator": event.creator.user_id}
    return [ids[role] for role in who if ids[role]]


def order_email_render(notification: Notification) -> notify.Email | None:
    event = notification.event
    order = (
        Order.objects.select_related("shop__creator__user")
        .prefetch_related("items")
        .filter(pk=event.target_id)
        .first()
    )
    if order is None:
        return None
    prefix, _ = EMAILS[event.kind]
    who = "fan" if notification.recipient_id == order.buyer_id else "creator"
    context = {
        "order": order,
        "items": list(order.items.all()),
        "site_url": settings.SITE_URL.rstrip("/"),
        "fan_url": reverse("shops:order_detail", args=[order.number]),
        "creator_url": reverse("shops:studio_order", args=[order.number]),
    }
    return notify.Email(
        subject=render_to_string(f"shops/email/{prefix}_{who}_subject.txt", context),
        text=render_to_string(f"shops/email/{prefix}_{who}.txt", context),
        to=order.email if who == "fan" else order.shop.creator.user.email,
    )
