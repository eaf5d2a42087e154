"""Saved items (the heart) and their alerts: back in stock, lower price.

The Saved list is private: only its owner ever reads it. When a saved product comes back
in stock or its price drops, the write that did it (`product_update`, or a cancellation
putting units back) records one `saved_back_in_stock` / `saved_price_drop` event in its
own transaction — the outbox — and the engagement pipeline tells the savers:

- the audience is the product's savers when each fan-out chunk runs (someone who un-saved
  meanwhile is not told), less those whose preference for the "saved" topic is "Never"
  (for this topic "Never" silences the bell too: an alert nobody asked for is noise);
- each chunk first claims its alerts — one `SavedAlert` row per fan, product and day,
  unique, inserted with ON CONFLICT DO NOTHING — and notifies only the rows carrying its
  own event. A second drop the same day finds the rows taken: no second alert. A rerun
  of the chunk finds its own rows and the unique notifications: nothing twice.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from core import sql
from creators.events import event_record
from creators.models import EmailMode, EngagementEvent, EventKind, NotificationPreference, User
from shops.models import Product, ProductImage, ProductStatus, SavedAlert, SavedItem

TOPIC = "saved"
UNAVAILABLE = "This product isn’t available to save."


# Writes ------------------------------------------------------------------------------------


def saved_add(*, user: User, product_id: int) -> bool:
    """Save a published product; returns whether it was newly saved (saving twice is one)."""
    product = (
        Product.objects.filter(
            pk=product_id,
            status=ProductStatus.PUBLISHED,
            shop__creator__user__is_active=True,
        )
        .only("pk", "price")
        .first()
    )
    if product is None:
        raise ValidationError(UNAVAILABLE, code="unavailable")
    with transaction.atomic():
        _, created = SavedItem.objects.get_or_create(
            user=user, product=product, defaults={"price_when_saved": product.price}
        )
    return created


def saved_product_of(*, user: User, product_id: int) -> Product | None:
    """A product on the fan's Saved list, whatever its state now (None if not there)."""
    item = SavedItem.objects.filter(user=user, product_id=product_id).select_related(
        "product__shop__creator__user"
    )
    return next((row.product for row in item[:1]), None)


def saved_remove(*, user: User, product_id: int) -> bool:
    """Take a product off the fan's Saved list (whatever its state now)."""
    with transaction.atomic():
        deleted, _ = SavedItem.objects.filter(user=user, product_id=product_id).delete()
    return bool(deleted)


def saved_alert_record(
    *, product: Product, old_price: Decimal | None, was_in_stock: bool, actor: User | None
) -> EngagementEvent | None:
    """Inside the transaction that changed `product`: record an alert event if a saved,
    published product came back in stock or got cheaper (one event covers both)."""
    if product.status != ProductStatus.PUBLISHED:
        return None
    back = not was_in_stock and product.in_stock
    dropped = old_price is not None and product.price < old_price
    if not (back or dropped) or not SavedItem.objects.filter(product=product).exists():
        return None
    shop = product.shop
    return event_record(
        kind=EventKind.SAVED_BACK_IN_STOCK if back else EventKind.SAVED_PRICE_DROP,
        actor=actor,
        creator=shop.creator,
        target=product,
        payload={
            "product_id": product.pk,
            "title": product.title,
            "handle": shop.creator.handle,
            "slug": product.slug,
            "price": str(product.price),
            "old_price": str(old_price) if dropped else None,
            "currency": shop.currency,
        },
    )


def saved_alerts_back_in_stock(*, product_ids: list[int], actor: User | None) -> None:
    """After units went back (a cancellation), for the products that were sold out."""
    products = Product.objects.filter(pk__in=product_ids).select_related("shop__creator")
    for product in products:
        saved_alert_record(product=product, old_price=None, was_in_stock=False, actor=actor)


# The pipeline's side (shops/notification_kinds.py registers these) -------------------------


def alert_audience(event: EngagementEvent) -> QuerySet[SavedItem]:
    """The savers of the event's product, less those who turned the topic off."""
    silenced = NotificationPreference.objects.filter(topic=TOPIC, email_mode=EmailMode.OFF).values(
        "user_id"
    )
    return SavedItem.objects.filter(product_id=event.target_id, user__is_active=True).exclude(
        user_id__in=silenced
    )


def alert_claim(event: EngagementEvent, chunk: QuerySet) -> QuerySet[SavedAlert]:
    """Take today's alert for each fan of the chunk who has none for this product yet;
    the fans to tell are those whose alert row carries this event."""
    day = timezone.localdate(event.created_at)
    user_ids = list(chunk.values_list("user_id", flat=True))
    SavedAlert.objects.bulk_create(
        [
            SavedAlert(user_id=uid, product_id=event.target_id, day=day, event_id=event.pk)
            for uid in user_ids
        ],
        ignore_conflicts=True,
    )
    return SavedAlert.objects.filter(event_id=event.pk, user_id__in=user_ids)


# Reads -------------------------------------------------------------------------------------


def saved_list_for_user(*, user: User) -> QuerySet[SavedItem]:
    """The fan's saved products, newest first, as they are now (price, stock, status)."""
    return (
        SavedItem.objects.filter(user=user)
        .select_related("product__shop__creator__user")
        .prefetch_related(
            Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id"))
        )
        .order_by("-created_at", "-id")
    )


def saved_ids_on_page(request, product_ids, *, also=()) -> set[int]:
    """`saved_ids_among` for the request's user, asked once per page: a product page's
    heart and its grid of "more from" cards are separate holes about overlapping products,
    so the first asks for both (`also`) and the second reads the answer."""
    known = request.__dict__.setdefault("_saved_ids", {})  # product id -> saved
    wanted = [int(pk) for pk in product_ids]
    missing = [pk for pk in dict.fromkeys([*wanted, *map(int, also)]) if pk not in known]
    if missing:
        found = saved_ids_among(user=request.user, product_ids=missing)
        known.update({pk: pk in found for pk in missing})
    return {pk for pk in wanted if known[pk]}


def saved_ids_among(*, user: User, product_ids) -> set[int]:
    """Which of these products the fan saved (one query; none for a visitor)."""
    ids = list(dict.fromkeys(int(pk) for pk in product_ids))
    if not user.is_authenticated or not ids:
        return set()
    return set(
        sql.column(  # on every signed-in page with hearts (core/sql.py)
            f"SELECT product_id FROM {sql.table(SavedItem)}"  # noqa: S608 (see core/sql.py)
            f" WHERE user_id = %s AND product_id IN ({sql.placeholders(ids)})",
            [user.pk, *ids],
        )
    )
