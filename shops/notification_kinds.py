"""Order events for the buyer and the shop's creator: in the bell, and by email in the
shop's own words (shops/emails.py)."""

from django.urls import reverse

from creators import notify
from creators.models import EmailMode, EngagementEvent, EventKind
from shops import saved
from shops.emails import order_email_recipients, order_email_render
from shops.templatetags.shop_tags import money

# kind -> (what the buyer reads, what the creator reads); {n} is the order number.
_TEXTS = {
    EventKind.ORDER_PLACED: ("Your order {n} is placed", "New order {n} ({amount} {currency})"),
    EventKind.ORDER_PAID: ("Payment received for order {n}", "Order {n} is paid: ready to fulfil"),
    EventKind.ORDER_SHIPPED: ("Your order {n} has shipped", "Order {n} is marked shipped"),
    EventKind.ORDER_DELIVERED: ("Your order {n} is delivered", "Order {n} is delivered"),
    EventKind.ORDER_CANCELLED: ("Your order {n} is cancelled", "Order {n} is cancelled"),
}


def _recipients(event: EngagementEvent) -> list[int]:
    return [event.payload.get("buyer_id"), event.creator.user_id if event.creator else None]


def _describe(event: EngagementEvent, recipient_id: int) -> notify.Description:
    number = event.payload["order"]
    buyer_text, creator_text = _TEXTS[event.kind]
    if recipient_id == event.payload.get("buyer_id"):
        return notify.Description(
            buyer_text.format(n=number), reverse("shops:order_detail", args=[number])
        )
    return notify.Description(
        creator_text.format(
            n=number,
            amount=event.payload.get("amount", ""),
            currency=event.payload.get("currency", ""),
        ),
        reverse("shops:studio_order", args=[number]),
    )


def _describe_saved(event: EngagementEvent, recipient_id: int) -> notify.Description:
    """Read from the payload only (no query per notification)."""
    data = event.payload
    title = data.get("title", "A product you saved")
    price = money(data.get("price"), data.get("currency", ""))
    was = money(data.get("old_price"), data.get("currency", "")) if data.get("old_price") else ""
    if event.kind == EventKind.SAVED_BACK_IN_STOCK:
        text = f"“{title}”, which you saved, is back in stock"
        text += f" — now {price}, down from {was}" if was else ""
    else:
        text = f"“{title}”, which you saved, is now {price} (was {was})"
    url = reverse("shops:product", kwargs={"handle": data["handle"], "slug": data["slug"]})
    return notify.Description(text, url)


def register() -> None:
    notify.topic_register(
        "orders", label="Your orders and your shop’s orders", default=EmailMode.IMMEDIATE
    )
    for kind in _TEXTS:
        notify.kind_register(
            kind,
            topic="orders",
            recipients=_recipients,
            describe=_describe,
            # The buyer gets a receipt of their own order, unlike the bell's rule.
            email_recipients=order_email_recipients,
            render_email=order_email_render,
        )
    # Saved items: the product's savers, in batched chunks, one alert per fan and day.
    notify.topic_register(
        saved.TOPIC,
        label="Saved items back in stock or at a lower price (“Never” also turns off "
        "these alerts under Notifications)",
        default=EmailMode.IMMEDIATE,
    )
    for kind in (EventKind.SAVED_PRICE_DROP, EventKind.SAVED_BACK_IN_STOCK):
        notify.kind_register(
            kind,
            topic=saved.TOPIC,
            audience=saved.alert_audience,
            audience_field="user_id",
            claim=saved.alert_claim,
            describe=_describe_saved,
        )
