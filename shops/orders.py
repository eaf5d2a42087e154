"""Orders after placement: the status state machine, its services, and order reads.

Every status change of an order happens here (studio views and admin actions call these
services). Each service is one transaction that locks the order row, checks the move
against `TRANSITIONS` and records the engagement event in the same transaction; the
event's dispatch tells the fan (and the creator) in the bell and by email.
"""

from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Greatest
from django.http import Http404
from django.utils import timezone

from core import sql
from core.paging import KnownCountPaginator
from creators.events import event_record
from creators.models import EventKind, User
from shops import page_cache, referrals, saved
from shops.models import Order, OrderItem, OrderStatus, Product, ProductKind, Shop

S = OrderStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.SHIPPED, S.DELIVERED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}
# Statuses in which the buyer has paid and may download digital goods.
PAID_STATUSES = frozenset({S.PAID, S.SHIPPED, S.DELIVERED})

_EVENT_KIND = {
    S.PAID: EventKind.ORDER_PAID,
    S.SHIPPED: EventKind.ORDER_SHIPPED,
    S.DELIVERED: EventKind.ORDER_DELIVERED,
    S.CANCELLED: EventKind.ORDER_CANCELLED,
}


def order_can_transition(*, order: Order, to: str) -> bool:
    if to not in TRANSITIONS.get(order.status, ()):
        return False
    # Physical goods are shipped before they are delivered; digital-only ones never ship.
    if to == S.DELIVERED and order.status == S.PAID:
        return not order.needs_shipping
    if to == S.SHIPPED:
        return order.needs_shipping
    return True


def _refusal(order: Order, to: str) -> str:
    if order.status == to:
        return f"Order {order.number} is already {order.get_status_display().lower()}."
    if order.status in (S.DELIVERED, S.CANCELLED):
        return (
            f"Order {order.number} is {order.get_status_display().lower()}; "
            "its status can no longer change."
        )
    if to == S.DELIVERED and order.status == S.PAID:
        return f"Order {order.number} must be marked shipped before it is delivered."
    if to == S.SHIPPED and order.status == S.PAID:
        return f"Order {order.number} has nothing to ship; mark it delivered instead."
    if to == S.SHIPPED and order.status == S.AWAITING_PAYMENT:
        return f"Order {order.number} is not paid yet; mark it paid before shipping."
    if to == S.SHIPPED and order.status == S.DELIVERED:
        return f"Order {order.number} is already delivered."
    return (
        f"Order {order.number} cannot go from {order.get_status_display().lower()} "
        f"to {S(to).label.lower()}."
    )


def _lock(order: Order) -> Order:
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("shop__creator", "buyer")
        .get(pk=order.pk)
    )


def _transition(*, order: Order, to: str, actor: User | None, extra=None) -> Order:
    """Lock, check, change, record: the common body of every service (the event's
    dispatch sends the emails)."""
    locked = _lock(order)
    if not order_can_transition(order=locked, to=to):
        raise ValidationError(_refusal(locked, to), code="order_transition")
    now = timezone.now()
    locked.status = to
    fields = ["status", "updated_at"]
    stamp = f"{S(to).value}_at"
    setattr(locked, stamp, now)
    fields.append(stamp)
    if extra:
        fields += extra(locked)
    locked.save(update_fields=fields)
    event_record(
        kind=_EVENT_KIND[to],
        actor=actor,
        creator=locked.shop.creator,
        target=locked,
        payload={
            "order": locked.number,
            "amount": str(locked.total),
            "currency": locked.currency,
            "buyer_id": locked.buyer_id,
        },
    )
    # The caller's instance shows the new state too.
    for field in fields:
        setattr(order, field, getattr(locked, field))
    return locked


def _item_quantities(order: Order) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for product_id, quantity in order.items.filter(product__isnull=False).values_list(
        "product_id", "quantity"
    ):
        quantities[product_id] = quantities.get(product_id, 0) + quantity
    return quantities


def order_mark_paid(*, order: Order, by: User | None = None) -> Order:
    """Payment arrived (manual or test providers): counts the units as sold."""
    with transaction.atomic():
        locked = _transition(order=order, to=S.PAID, actor=by)
        # A fan's share link brought this order: the purchase counts for them now.
        referrals.referral_purchase_record(order=locked)
        quantities = sorted(_item_quantities(locked).items())
        for product_id, quantity in quantities:
            Product.objects.filter(pk=product_id).update(sales_count=F("sales_count") + quantity)
        page_cache.products_touched(product_id for product_id, _ in quantities)
    return locked


def order_mark_shipped(
    *, order: Order, tracking_number: str = "", tracking_url: str = "", by: User | None = None
) -> Order:
    tracking_number = tracking_number.strip()
    tracking_url = tracking_url.strip()
    if tracking_url:
        try:
            URLValidator(schemes=["http", "https"])(tracking_url)
        except ValidationError:
            raise ValidationError(
                "The tracking link must be a web address starting with http:// or https://.",
                code="tracking_url",
            ) from None
    if len(tracking_number) > 100:
        raise ValidationError("The tracking number may be at most 100 characters.")

    def tracking(locked: Order) -> list[str]:
        locked.tracking_number = tracking_number
        locked.tracking_url = tracking_url
        return ["tracking_number", "tracking_url"]

    with transaction.atomic():
        return _transition(order=order, to=S.SHIPPED, actor=by, extra=tracking)


def order_mark_delivered(*, order: Order, by: User | None = None) -> Order:
    with transaction.atomic():
        return _transition(order=order, to=S.DELIVERED, actor=by)


def order_cancel(*, order: Order, by: User | None = None) -> Order:
    """Cancel; put the units back (once); if it was paid, un-count the sales.

    No money moves here (manual and test providers): a paid order's cancellation means a
    refund is due, which the studio page says.
    """
    with transaction.atomic():
        return _cancel(order=order, locked=_lock(order), by=by)


def order_cancel_by_buyer(*, order: Order, buyer: User) -> Order:
    """The fan cancels their own order, only while it awaits payment.

    Once money has moved, cancelling means a refund, which only the creator can arrange:
    the fan is told to contact them. The status is read under the row lock, so a creator
    marking the order paid at the same instant and this cancellation cannot both win.
    """
    with transaction.atomic():
        locked = _lock(order)
        if locked.buyer_id is None or locked.buyer_id != buyer.pk:
            raise Http404("No order.")
        refusal = order_buyer_cancel_refusal(locked)
        if refusal:
            raise ValidationError(refusal, code="order_buyer_cancel")
        return _cancel(order=order, locked=locked, by=buyer, by_buyer=True)


def _cancel(*, order: Order, locked: Order, by: User | None, by_buyer: bool = False) -> Order:
    """The body of both cancellations; runs inside their transaction, `locked` held."""
    was_paid = locked.status in PAID_STATUSES

    def give_back(locked: Order) -> list[str]:
        fields = []
        if by_buyer:
            locked.cancelled_by_buyer = True
            fields.append("cancelled_by_buyer")
        if locked.stock_returned:
            return fields
        quantities = sorted(_item_quantities(locked).items())
        sold_out = list(
            Product.objects.filter(pk__in=[pk for pk, _ in quantities], stock=0).values_list(
                "pk", flat=True
            )
        )
        for product_id, quantity in quantities:
            Product.objects.filter(pk=product_id, stock__isnull=False).update(
                stock=F("stock") + quantity
            )
            if was_paid:
                Product.objects.filter(pk=product_id).update(
                    sales_count=Greatest(F("sales_count") - quantity, 0)
                )
        # Sold-out products this order gave units back to are in stock again: their
        # savers hear about it, in this transaction.
        saved.saved_alerts_back_in_stock(product_ids=sold_out, actor=by)
        page_cache.products_touched(product_id for product_id, _ in quantities)
        locked.stock_returned = True
        return [*fields, "stock_returned"]

    return _transition(order=order, to=S.CANCELLED, actor=by, extra=give_back)


def order_buyer_cancel_refusal(order: Order) -> str:
    """Why the fan cannot cancel `order` themselves; empty when they can."""
    if order.status == S.AWAITING_PAYMENT:
        return ""
    if order.status == S.CANCELLED:
        return f"Order {order.number} is already cancelled."
    return (
        f"Order {order.number} is already paid, so you can no longer cancel it yourself: "
        f"contact {order.shop.name} to ask them to cancel it and refund you."
    )


def order_refund_due(order: Order) -> bool:
    return order.status == S.CANCELLED and order.paid_at is not None


# Reads -----------------------------------------------------------------------------------


def _with_items(qs: QuerySet[Order]) -> QuerySet[Order]:
    return qs.select_related("shop__creator", "buyer").prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.select_related("product"))
    )


def order_get_for_buyer(*, user: User, number: str) -> Order:
    """The order `number` for the fan who bought it; anyone else gets a 404."""
    if not user.is_authenticated:
        raise Http404("No order.")
    order = _with_items(Order.objects.filter(buyer=user, number=number)).first()
    if order is None:
        raise Http404("No order.")
    return order


def order_get_for_shop_owner(*, user: User, number: str) -> Order:
    """The order `number` for the creator whose shop sold it; anyone else gets a 404."""
    if not user.is_authenticated:
        raise Http404("No order.")
    order = _with_items(Order.objects.filter(shop__creator__user=user, number=number)).first()
    if order is None:
        raise Http404("No order.")
    return order


BUYER_ORDERS_PER_PAGE = 20


def order_page_for_buyer(*, user: User, page_number) -> Page:
    """One page of the fan's orders, newest first, each with its shop's name and its
    items (`order.listed_items`): one hand-written query (`_BUYER_ORDERS`). Most fans
    have one page of orders, so the first page reads one order more than it shows: when
    that order isn't there, it has counted them all and no COUNT is asked (a longer
    history adds it)."""
    per_page = BUYER_ORDERS_PER_PAGE
    first = None
    if str(page_number or "1") == "1":
        first = _buyer_orders(user.pk, limit=per_page + 1, offset=0)
        if len(first) <= per_page:
            page = KnownCountPaginator([], per_page, count=len(first)).page(1)
            page.object_list = first
            return page
    count = sql.one(
        f"SELECT COUNT(*) FROM {sql.table(Order)} WHERE buyer_id = %s",  # noqa: S608 (see core/sql.py)
        (user.pk,),
    )[0]
    page = KnownCountPaginator([], per_page, count=count).get_page(page_number)
    if page.number == 1 and first is not None:
        page.object_list = first[:per_page]
    else:
        page.object_list = _buyer_orders(
            user.pk, limit=per_page, offset=(page.number - 1) * per_page
        )
    return page


# A page of a fan's orders with their shops and items, hand-written (core/sql.py): the
# ORM's select_related and prefetch cost the page more than the rest of its work. One
# row per item (an order without items still has its row).
_BUYER_ORDERS = (
    "SELECT o.id, o.number, o.created_at, o.status, o.total, o.currency, o.shop_id, s.name,"  # noqa: S608 (see core/sql.py)
    " item.id, item.quantity, item.title"
    f" FROM (SELECT id FROM {sql.table(Order)} WHERE buyer_id = %s"
    "  ORDER BY created_at DESC, id DESC LIMIT %s OFFSET %s) page"
    f" JOIN {sql.table(Order)} o ON o.id = page.id"
    f" JOIN {sql.table(Shop)} s ON s.id = o.shop_id"
    f" LEFT JOIN {sql.table(OrderItem)} item ON item.order_id = o.id"
    " ORDER BY o.created_at DESC, o.id DESC, item.id"
)


def _buyer_orders(buyer_id: int, *, limit: int, offset: int) -> list[Order]:
    """Orders with what the list shows loaded, `order.shop` (its name) set and their
    items in `order.listed_items`."""
    orders: dict[int, Order] = {}
    for row in sql.rows(_BUYER_ORDERS, (buyer_id, limit, offset)):
        order_id, number, created_at, status, total, currency, shop_id, shop_name = row[:8]
        item_id, quantity, title = row[8:]
        order = orders.get(order_id)
        if order is None:
            order = orders[order_id] = sql.instance(
                Order,
                id=order_id,
                number=number,
                created_at=created_at,
                status=status,
                total=total,
                currency=currency,
                shop_id=shop_id,
                buyer_id=buyer_id,
            )
            order.shop = sql.instance(Shop, id=shop_id, name=shop_name)
            order.listed_items = []
        if item_id is not None:
            order.listed_items.append(
                sql.instance(
                    OrderItem, id=item_id, order_id=order_id, quantity=quantity, title=title
                )
            )
    return list(orders.values())


def order_list_for_shop(*, shop, status: str = "", query: str = "") -> QuerySet[Order]:
    qs = Order.objects.filter(shop=shop).prefetch_related("items").order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    query = query.strip()
    if query:
        qs = qs.filter(Q(number__iexact=query) | Q(email__icontains=query))
    return qs


def order_status_counts(*, shop) -> dict[str, int]:
    """How many orders the shop has in each status, plus "all", in one query."""
    return Order.objects.filter(shop=shop).aggregate(
        all=Count("id"),
        **{status: Count("id", filter=Q(status=status)) for status in S.values},
    )


def order_items_summary(order: Order) -> str:
    return "; ".join(f"{item.quantity} × {item.title}" for item in order.items.all())


def order_has_digital(order: Order) -> bool:
    return any(item.kind == ProductKind.DIGITAL for item in order.items.all())
