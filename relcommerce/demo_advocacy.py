"""Advocacy for the demo: tastemaker lists, fans' share links and what they brought.

Runs after the history phase (`demo_history`, real back-dated orders). A few demo fans
become tastemakers: each makes a list of products from several creators, with a note on
each, through the list services; two lists are featured on the home page. About one in
eight of the paid demo orders is then credited to a share link of a tastemaker who is
not the buyer, for one of the order's products: `Order.referral` is set, the visits that
led to it are recorded as `share_visit` events (back-dated within the attribution window
before the order) and the purchase as a `referral_purchase` event when the order was
paid, following the payload contract in docs/metrics.md; a few more visits bought
nothing. The link counters match the events. So "Your shares", the Studio's advocates,
the tastemakers page and the dashboard's "Fans' shares" card show real numbers.

Deterministic (`random.Random(f"{seed}:advocacy")`) and idempotent: a second run finds
the demo fans' lists and adds nothing.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from creators.models import EngagementEvent, EventKind, User
from creators.rollup import rollup_incremental
from relcommerce.demo import DEMO_DOMAIN
from shops import lists, referrals
from shops.models import (
    Order,
    OrderItem,
    Product,
    ProductStatus,
    ShareLink,
    TastemakerList,
)

TASTEMAKERS = 6
FEATURED = 2
CREDITED_SHARE = 0.12  # of the paid demo orders
LIST_TITLES = [
    "Kitchen favourites",
    "Gifts that always land",
    "Things I use every day",
    "Small joys",
    "For a slow Sunday",
    "Made to last",
]
NOTES = [
    "I’ve used mine almost every day for a year.",
    "Bought it as a gift, ended up keeping one for myself.",
    "The quality surprised me — you can tell it’s made by hand.",
    "Beautiful up close, photos don’t do it justice.",
    "Perfect size, and the creator answered all my questions.",
    "",
]


@dataclass
class AdvocacyReport:
    lists: int = 0
    credited_orders: int = 0
    events: int = 0
    skipped: bool = False


def demo_advocacy_seed(*, seed: int, log=None) -> AdvocacyReport:
    log = log or (lambda message: None)
    report = _seed(seed=seed)
    if report.skipped:
        log("advocacy: already seeded")
        return report
    log(
        f"advocacy: {report.lists} tastemaker lists, {report.credited_orders} orders "
        f"credited to fans' share links, {report.events} events"
    )
    if report.events:
        rollup_incremental()
    return report


def _seed(*, seed: int) -> AdvocacyReport:
    if TastemakerList.objects.filter(author__email__endswith=f"@{DEMO_DOMAIN}").exists():
        return AdvocacyReport(skipped=True)
    rng = random.Random(f"{seed}:advocacy")
    fans = list(
        User.objects.filter(email__startswith="fan", email__endswith=f"@{DEMO_DOMAIN}")
        .exclude(name="")
        .order_by("email")[: TASTEMAKERS * 4]
    )
    products = list(
        Product.objects.filter(
            status=ProductStatus.PUBLISHED,
            shop__creator__user__is_active=True,
            shop__creator__user__email__endswith=f"@{DEMO_DOMAIN}",
        )
        .select_related("shop__creator")
        .order_by("pk")[:400]
    )
    if len(fans) < 2 or len(products) < lists.LIST_MIN_PUBLIC_ITEMS:
        return AdvocacyReport()
    report = AdvocacyReport()
    tastemakers = rng.sample(fans, k=min(TASTEMAKERS, len(fans)))
    with transaction.atomic():
        made = []
        for n, fan in enumerate(tastemakers):
            taste_list = lists.list_create(
                author=fan,
                title=LIST_TITLES[n % len(LIST_TITLES)],
                description="Things I keep coming back to, from makers I follow.",
            )
            for product in rng.sample(products, k=min(len(products), rng.randint(3, 6))):
                lists.list_item_add(taste_list=taste_list, product=product, note=rng.choice(NOTES))
            made.append(taste_list)
        lists.lists_set_featured(
            lists=TastemakerList.objects.filter(pk__in=[m.pk for m in made[:FEATURED]]),
            featured=True,
        )
        report.lists = len(made)
        report.credited_orders, report.events = _credit_orders(rng, tastemakers)
    return report


def _credit_orders(rng: random.Random, tastemakers: list[User]) -> tuple[int, int]:
    paid = list(
        Order.objects.filter(
            paid_at__isnull=False,
            referral__isnull=True,
            buyer__isnull=False,
            shop__creator__user__email__endswith=f"@{DEMO_DOMAIN}",
        )
        .select_related("shop__creator")
        .order_by("paid_at", "pk")
    )
    first_items = {}
    for item in OrderItem.objects.filter(
        order__in=paid, product__isnull=False, product__status=ProductStatus.PUBLISHED
    ).select_related("product__shop__creator"):
        first_items.setdefault(item.order_id, item.product)
    product_type = ContentType.objects.get_for_model(Product)
    order_type = ContentType.objects.get_for_model(Order)
    window = referrals.window()
    now = timezone.now()
    events, credited = [], []
    visits, purchases = {}, {}

    def visit(link: ShareLink, product: Product, when, visitor_id):
        events.append(
            EngagementEvent(
                kind=EventKind.SHARE_VISIT,
                actor_id=link.sharer_id,
                creator=product.shop.creator,
                target_type=product_type,
                target_id=product.pk,
                payload={
                    "link_id": link.pk,
                    "sharer_id": link.sharer_id,
                    "target": "product",
                    "visitor_id": visitor_id,
                },
                created_at=when,
                dispatched_at=when,
            )
        )
        visits[link.pk] = visits.get(link.pk, 0) + 1

    for order in paid:
        product = first_items.get(order.pk)
        sharers = [fan for fan in tastemakers if fan.pk != order.buyer_id]
        if product is None or not sharers or rng.random() > CREDITED_SHARE:
            continue
        sharer = rng.choice(sharers)
        link = referrals.share_link_get_or_create(sharer=sharer, target=product)
        seen = order.created_at - timedelta(seconds=rng.randint(600, int(window.total_seconds())))
        visit(link, product, seen, order.buyer_id)
        order.referral = link
        credited.append(order)
        purchases[link.pk] = purchases.get(link.pk, 0) + 1
        events.append(
            EngagementEvent(
                kind=EventKind.REFERRAL_PURCHASE,
                actor_id=sharer.pk,
                creator=order.shop.creator,
                target_type=order_type,
                target_id=order.pk,
                payload={
                    "order": order.number,
                    "amount": str(order.total),
                    "currency": order.currency,
                    "buyer_id": order.buyer_id,
                    "sharer_id": sharer.pk,
                    "link_id": link.pk,
                    "target": "product",
                },
                created_at=order.paid_at,
                dispatched_at=order.paid_at,
            )
        )
        # Visits of the same link that bought nothing (the usual case).
        for _ in range(rng.randint(0, 4)):
            when = min(now, seen + timedelta(hours=rng.randint(1, 24 * 20)))
            visit(link, product, when, None)

    Order.objects.bulk_update(credited, ["referral"])
    EngagementEvent.objects.bulk_create(events)
    for link_id in visits.keys() | purchases.keys():
        ShareLink.objects.filter(pk=link_id).update(
            visits=F("visits") + visits.get(link_id, 0),
            purchases=F("purchases") + purchases.get(link_id, 0),
        )
    return len(credited), len(events)
