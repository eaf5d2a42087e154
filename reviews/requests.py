"""Review requests: the email inviting a fan to review what they bought, once per order.

`review_requests_due_task` (beat, hourly) finds orders delivered — or paid, for orders
with nothing to ship — `REVIEW_REQUEST_AFTER_DAYS` ago and enqueues one
`review_request_send_task` per order on the `email` queue. The send locks the order and
writes the order's `ReviewRequest` row with the decision (sent, opted out, nothing left
to review) in the same transaction, so a retried or overlapping run sends nothing twice.
"""

import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from reviews.models import Review, ReviewEmailOptOut, ReviewRequest, ReviewRequestOutcome
from reviews.selectors import review_request_due_order_ids
from shops.models import Order

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "relcommerce.review-requests.unsubscribe"
# Orders that became due longer ago than this are never asked about (e.g. right after
# the feature is deployed, or after a long outage of beat).
REQUEST_WINDOW_DAYS = 30


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps(user_id, salt=UNSUBSCRIBE_SALT)


def unsubscribe_user_id(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def review_requests_due(*, now=None) -> list[int]:
    return review_request_due_order_ids(
        now=now or timezone.now(),
        after_days=settings.REVIEW_REQUEST_AFTER_DAYS,
        window_days=REQUEST_WINDOW_DAYS,
    )


def review_request_send(*, order_id: int) -> str | None:
    """Decide and (maybe) send the review request of one order; return the outcome, or
    None when it was decided before (nothing done now)."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("buyer", "shop__creator")
            .filter(pk=order_id, buyer__isnull=False)
            .first()
        )
        if order is None or ReviewRequest.objects.filter(order=order).exists():
            return None
        buyer = order.buyer
        reviewed = set(Review.objects.filter(author=buyer).values_list("product_id", flat=True))
        products = [
            item.product
            for item in order.items.select_related("product__shop__creator")
            if item.product is not None
            and item.product.is_published
            and item.product_id not in reviewed
        ]
        products = list({p.pk: p for p in products}.values())
        if ReviewEmailOptOut.objects.filter(user=buyer).exists():
            outcome = ReviewRequestOutcome.OPTED_OUT
        elif not products:
            outcome = ReviewRequestOutcome.NOTHING_TO_REVIEW
        else:
            outcome = ReviewRequestOutcome.SENT
            _send(order, products)
        ReviewRequest.objects.create(order=order, outcome=outcome)
    return outcome


def _send(order: Order, products) -> None:
    site = settings.SITE_URL.rstrip("/")
    unsubscribe_url = site + reverse(
        "reviews:unsubscribe", args=[unsubscribe_token(order.buyer_id)]
    )
    context = {
        "order": order,
        "name": order.buyer.get_short_name(),
        "links": [
            (
                product.title,
                site + reverse("reviews:write", args=[product.shop.creator.handle, product.slug]),
            )
            for product in products
        ],  # fmt: skip
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": site + reverse("reviews:preferences"),
    }
    subject = " ".join(render_to_string("reviews/email/request_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject,
        render_to_string("reviews/email/request.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [order.email],
        headers={
            # RFC 8058 one-click unsubscribe: mail clients POST to the link.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.send()
