"""~90 days of purchase history and a few former fans for the demo creators, so the
Studio dashboard shows revenue, conversion and repeat buyers over time after `seed_demo`.

The other demo phases write what fans say and do today: `demo_social` posts,
`demo_conversation` back-dated comments, questions, replies and likes (with the events
the conversation services record), `demo_reviews` reviews and the orders behind them,
placed now. This phase adds, per hand-written creator, real back-dated orders of real
demo products (checkout, order, items, and their order events with amount, currency and
buyer): followers buy with their affinity some time after following, some come back,
a few strangers buy too; most pay by card, some by bank transfer later, a few cancel.
It also adds a few former fans who followed and left (`follow` then `unfollow` events,
no follow row), so the audience has churn. Every event follows the payload contract in
docs/metrics.md.

Deterministic: each creator's history comes from its own `random.Random(seed, handle)`,
relative to `now`. Idempotent: the history's checkouts carry a marker and a second run
finds it and adds nothing.
"""

import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from creators.badges import badges_rebuild
from creators.models import (
    CreatorProfile,
    EngagementEvent,
    EventKind,
    Follow,
    User,
)
from creators.rollup import rollup_incremental
from relcommerce.demo import DEMO_DOMAIN, HISTORY_DAYS
from relcommerce.demo_reviews import REVIEWER_POOL
from shops.checkout import NUMBER_ALPHABET, NUMBER_LENGTH
from shops.models import (
    Checkout,
    Order,
    OrderItem,
    OrderStatus,
    Product,
    ProductKind,
    ProductStatus,
    Shop,
)
from shops.shipping import shipping_cost

K = EventKind
MAX_CREATORS = 12  # generated benchmark creators get no history
SYNTHETIC_ID_BASE = 9_000_000_000_000  # targets (posts, comments) that have no table yet


@dataclass
class HistoryReport:
    creators: int = 0
    events: int = 0
    orders: int = 0
    skipped: bool = False


MARKER = "demo-history"  # payment reference of the history's checkouts


def demo_history_exists() -> bool:
    return Checkout.objects.filter(payment_reference=MARKER).exists()


def demo_history_seed(*, seed: int, now: datetime | None = None, log=None) -> HistoryReport:
    """Add the history once (a second call finds the marker and adds nothing), then roll
    the metrics up for the whole history so the dashboard has its numbers at once."""
    log = log or (lambda message: None)
    report = _history_seed(seed=seed, now=now)
    if report.skipped:
        log("history: already seeded")
    else:
        log(
            f"history: {report.events} events and {report.orders} orders "
            f"for {report.creators} creators"
        )
    result = rollup_incremental()  # the first run covers the 90 days of history
    if result is None:
        log("metrics: another roll-up is running; the next one counts the history")
    else:
        log(f"metrics: {result.rows} daily rows rolled up in {result.seconds:.1f} s")
        badges = badges_rebuild()  # as beat does after each roll-up
        log(f"fan badges: {badges.badges} for {badges.creators} creators")
    return report


def _history_seed(*, seed: int, now: datetime | None) -> HistoryReport:
    if demo_history_exists():
        return HistoryReport(skipped=True)
    now = (now or timezone.now()).replace(microsecond=0)
    profiles = list(
        CreatorProfile.objects.select_related("user")
        .filter(user__email__endswith=f"@{DEMO_DOMAIN}")
        .order_by("created_at", "pk")[:MAX_CREATORS]
    )
    shops = {shop.creator_id: shop for shop in Shop.objects.filter(creator__in=profiles)}
    products: dict[int, list[Product]] = {}
    for product in Product.objects.filter(
        shop__in=shops.values(), status=ProductStatus.PUBLISHED
    ).order_by("pk"):
        products.setdefault(product.shop_id, []).append(product)
    fans = list(
        User.objects.filter(email__startswith="fan", email__endswith=f"@{DEMO_DOMAIN}")
        .order_by("email")  # fan00001, fan00002…: by fan number
        .values_list("pk", "email")
    )
    report = HistoryReport()
    with transaction.atomic():
        builder = _Builder(now=now, seed=seed)
        for profile in profiles:
            shop = shops.get(profile.pk)
            if shop is None:
                continue
            builder.creator_history(profile, shop, products.get(shop.pk, []), fans)
            report.creators += 1
        report.orders = builder.save_orders()
        report.events = builder.save_events()
    return report


class _Builder:
    def __init__(self, *, now: datetime, seed: int):
        self.now, self.seed = now, seed
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.events: list[EngagementEvent] = []
        self.orders: list[tuple[Order, list[OrderItem], list[tuple[str, datetime, User]]]] = []
        self.checkouts: list[Checkout] = []
        self.next_id = SYNTHETIC_ID_BASE
        self.numbers: set[str] = set()

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def event(self, kind, *, profile, actor_id, at, target_id=None, **payload):
        if at >= self.now:
            return None
        event = EngagementEvent(
            kind=kind,
            actor_id=actor_id,
            creator=profile,
            target_id=target_id if target_id is not None else self._id(),
            payload=payload,
            created_at=at,
            dispatched_at=at,  # history: already handled, nothing to notify about
        )
        self.events.append(event)
        return event

    # --- One creator ------------------------------------------------------------------

    def creator_history(self, profile, shop, products, fans) -> None:
        rng = random.Random(f"{self.seed}:history:{profile.handle}")
        follows = list(
            Follow.objects.filter(followed=profile.user).values_list("follower_id", "created_at")
        )
        affinity = {fan_id: rng.betavariate(1.3, 2.5) for fan_id, _ in follows}
        creator_id = profile.user_id

        # A few former fans who followed and left.
        following = {fan_id for fan_id, _ in follows}
        strangers = [fan for fan in fans if fan[0] not in following and fan[0] != creator_id]
        for fan_id, _ in rng.sample(strangers, k=min(len(strangers), rng.randint(2, 5))):
            followed = self.start + timedelta(days=rng.uniform(0, HISTORY_DAYS - 10))
            self.event(K.FOLLOW, profile=profile, actor_id=fan_id, at=followed)
            self.event(
                K.UNFOLLOW,
                profile=profile,
                actor_id=fan_id,
                at=followed + timedelta(days=rng.uniform(1, 20)),
            )

        # Orders: followers buy with their affinity; some strangers buy too.
        if not products:
            return
        buyers = []
        for fan_id, followed_at in follows:
            if rng.random() < 0.2 + 0.5 * affinity[fan_id]:
                since = max(followed_at, self.start)
                # Most first purchases come soon after following.
                first = since + (self.now - since) * rng.random() ** 2
                buyers.append((fan_id, first, affinity[fan_id]))
        for fan_id, _ in rng.sample(strangers, k=min(len(strangers), rng.randint(3, 8))):
            buyers.append((fan_id, self.start + timedelta(days=rng.uniform(0, HISTORY_DAYS)), 0.1))
        emails = dict(fans)
        # demo_reviews' reviewers buy (or not) through their own phase: an order here
        # would make a fan it skipped eligible to review on the next run.
        reviewers = {fan_id for fan_id, _ in fans[:REVIEWER_POOL]}
        for fan_id, when, a in buyers:
            if fan_id in reviewers:
                continue
            count = 1 + (rng.random() < 0.25 + 0.5 * a) + (rng.random() < 0.2 + 0.2 * a)
            for _ in range(count):
                if when >= self.now:
                    break
                self._order(rng, profile, shop, products, fan_id, emails.get(fan_id, ""), when)
                when += timedelta(days=rng.uniform(3, 25))

    def _number(self, rng) -> str:
        while True:
            number = "RC-" + "".join(rng.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def _order(self, rng, profile, shop, products, fan_id, email, placed) -> None:
        picked = rng.sample(products, k=min(len(products), rng.choice((1, 1, 1, 2))))
        items = [
            OrderItem(
                product=product,
                title=product.title,
                kind=product.kind,
                unit_price=product.price,
                quantity=rng.choice((1, 1, 1, 2)),
            )
            for product in picked
        ]
        subtotal = sum((item.unit_price * item.quantity for item in items), Decimal("0"))
        physical = any(item.kind == ProductKind.PHYSICAL for item in items)
        shipping = shipping_cost(shop=shop, subtotal=subtotal, needs_shipping=physical)
        total = subtotal + shipping
        by_card = rng.random() < 0.85
        checkout = Checkout(
            buyer_id=fan_id,
            idempotency_key=uuid.UUID(int=rng.getrandbits(128)),
            email=email,
            currency=shop.currency,
            total=total,
            payment_provider="simulated_card" if by_card else "manual",
            payment_reference=MARKER,
            created_at=placed,
        )
        order = Order(
            number=self._number(rng),
            shop=shop,
            buyer_id=fan_id,
            email=email,
            currency=shop.currency,
            subtotal=subtotal,
            shipping_cost=shipping,
            total=total,
            status=OrderStatus.AWAITING_PAYMENT,
            created_at=placed,
        )
        steps = [("placed", placed, fan_id)]
        if by_card or rng.random() < 0.6:
            paid = placed if by_card else placed + timedelta(days=rng.uniform(0.5, 3))
            steps.append(("paid", paid, fan_id if by_card else profile.user_id))
            if rng.random() < 0.03:
                steps.append(("cancelled", paid + timedelta(days=1), profile.user_id))
            else:
                shipped = paid + timedelta(days=rng.uniform(0.5, 3))
                delivered = shipped + timedelta(days=rng.uniform(2, 6))
                if physical:
                    steps.append(("shipped", shipped, profile.user_id))
                steps.append(("delivered", delivered if physical else paid, profile.user_id))
        elif placed < self.now - timedelta(days=10):
            steps.append(("cancelled", placed + timedelta(days=7), fan_id))
        steps = [step for step in steps if step[1] < self.now]
        for name, at, _actor in steps[1:]:
            setattr(order, f"{name}_at", at)
        order.status = steps[-1][0] if len(steps) > 1 else OrderStatus.AWAITING_PAYMENT
        self.checkouts.append(checkout)
        self.orders.append((order, items, steps))

    # --- Writing ----------------------------------------------------------------------

    def save_orders(self) -> int:
        Checkout.objects.bulk_create(self.checkouts)
        for checkout, (order, _items, _steps) in zip(self.checkouts, self.orders, strict=True):
            order.checkout = checkout
        Order.objects.bulk_create([order for order, _, _ in self.orders])
        order_type = ContentType.objects.get_for_model(Order)
        sales = Counter()
        kinds = {
            "placed": K.ORDER_PLACED,
            "paid": K.ORDER_PAID,
            "shipped": K.ORDER_SHIPPED,
            "delivered": K.ORDER_DELIVERED,
            "cancelled": K.ORDER_CANCELLED,
        }
        items = []
        profiles = {}
        for order, order_items, steps in self.orders:
            for item in order_items:
                item.order = order
                items.append(item)
                if order.paid_at and order.status != OrderStatus.CANCELLED:
                    sales[item.product_id] += item.quantity
            profiles.setdefault(order.shop_id, order.shop.creator)
            payload = {
                "order": order.number,
                "amount": str(order.total),
                "currency": order.currency,
                "buyer_id": order.buyer_id,
            }
            for name, at, actor_id in steps:
                event = self.event(
                    kinds[name],
                    profile=profiles[order.shop_id],
                    actor_id=actor_id,
                    at=at,
                    target_id=order.pk,
                    **payload,
                )
                if event is not None:
                    event.target_type = order_type
        OrderItem.objects.bulk_create(items)
        for product_id, quantity in sales.items():
            Product.objects.filter(pk=product_id).update(sales_count=F("sales_count") + quantity)
        return len(self.orders)

    def save_events(self) -> int:
        self.events.sort(key=lambda event: event.created_at)
        EngagementEvent.objects.bulk_create(self.events, batch_size=1000)
        return len(self.events)
