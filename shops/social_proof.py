""" "I bought this": the buyer's per-order choice to show a purchase, and what pages show.

Privacy rules, enforced by every read here (never by templates):
- a fan is *named* only for a purchase they chose to show (`Order.show_on_profile`, off
  by default, per order) and only while their profile is public and their account active;
- everyone else who bought counts only as a number: the product page's line counts the
  distinct buyers of paid, not cancelled orders (paid, shipped, delivered) — opted in or
  not, because the issue asks for "only opted-in names; a count for the rest", and a
  number names nobody. Nothing is made up: no buyers, no line.
- followers of a fan see the fan's shown purchases in their feed, and "3 people you follow
  bought this" counts only shown purchases of public profiles they follow.

Page cache: the anonymous line is part of the cached product page. It changes when an
order is paid or cancelled (shops/orders.py touches the product's pages), when a buyer
shows or hides an order (`order_set_shown` touches the shop's creator pages), and when a
buyer's profile goes public or private, or their name changes (`fan_scopes` below,
registered with `pagecache.register_fan_scopes`). The per-viewer line is a hole.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, Prefetch
from django.http import Http404
from django.urls import reverse

from core import pagecache, sql
from creators import fan_activity
from creators.feed import Cursor
from creators.models import FanFollow, FanProfile, User
from creators.page_cache import creator_scope, register_fan_scopes
from shops.models import Order, OrderItem, OrderStatus, Product, ProductImage, ProductStatus

SHOWN_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
NAMES_SHOWN = 2  # "Ana, Li and 12 other fans bought this"


# Writes ------------------------------------------------------------------------------------


def order_set_shown(*, order: Order, buyer: User, show: bool) -> Order:
    """The buyer shows (or hides) this purchase on their profile, to their followers and
    by name on the product pages; another user gets a 404. Hiding works at any time."""
    with transaction.atomic():
        locked = (
            Order.objects.select_for_update(of=("self",))
            .select_related("shop__creator")
            .filter(pk=order.pk, buyer=buyer)
            .first()
        )
        if locked is None or not buyer.is_authenticated:
            raise Http404("No order.")
        if locked.show_on_profile != show:
            locked.show_on_profile = show
            locked.save(update_fields=["show_on_profile", "updated_at"])
            # The product pages of this shop name (or count) its buyers.
            pagecache.touch(creator_scope(locked.shop.creator.handle))
    order.show_on_profile = locked.show_on_profile
    return locked


# Reads -------------------------------------------------------------------------------------


def fan_is_public(user: User) -> bool:
    """Whether the fan's profile is public (the order pages say where a shown order shows)."""
    return FanProfile.objects.filter(user_id=user.pk, is_public=True).exists()


def _named_buyers(product_id: int):
    """Buyers who may be named: a shown, paid order of the product, public profile."""
    return User.objects.filter(
        is_active=True,
        fan_profile__is_public=True,
        orders__show_on_profile=True,
        orders__status__in=SHOWN_STATUSES,
        orders__items__product_id=product_id,
    )


@dataclass(frozen=True)
class BoughtThis:
    total: int  # distinct buyers of paid, not cancelled orders
    names: list[tuple[str, str]]  # (name, profile URL) of public, opted-in buyers

    @property
    def others(self) -> int:
        return self.total - len(self.names)


def bought_this(*, product_id: int, names: int = NAMES_SHOWN) -> BoughtThis:
    """The product page's line; two queries (the count, a few names), whatever the number
    of buyers. The names are the most recent public, opted-in buyers."""
    total = (
        OrderItem.objects.filter(
            product_id=product_id, order__buyer__isnull=False, order__status__in=SHOWN_STATUSES
        ).aggregate(n=Count("order__buyer_id", distinct=True))["n"]
        or 0
    )
    if not total:
        return BoughtThis(total=0, names=[])
    rows = (
        _named_buyers(product_id)
        .annotate(last=Max("orders__paid_at"))
        .order_by("-last", "-pk")
        .values_list("name", "fan_profile__public_id")[:names]
    )
    return BoughtThis(
        total=total,
        names=[
            (name, reverse("creators:fan_profile", kwargs={"public_id": public_id}))
            for name, public_id in rows
            if name
        ],
    )


def bought_by_following_count(*, product_id: int, viewer: User) -> int:
    """How many of the public fans `viewer` follows showed a paid purchase of the product;
    one query, none for a visitor or for someone who follows no fan."""
    if not viewer.is_authenticated:
        return 0
    if getattr(viewer, "follows_fans", None) in (False, 0):
        return 0  # loaded with the user (relcommerce.auth_backends): they follow no fan
    statuses = [str(status) for status in SHOWN_STATUSES]
    row = sql.one(  # on every product page a fan sees (core/sql.py)
        f"SELECT COUNT(*) FROM {sql.table(FanFollow)} ff"  # noqa: S608 (see core/sql.py)
        f" JOIN {sql.table(User)} u ON u.id = ff.followed_id"
        f" JOIN {sql.table(FanProfile)} fp ON fp.user_id = ff.followed_id"
        f" WHERE ff.follower_id = %s AND u.is_active AND fp.is_public AND EXISTS ("
        f"  SELECT 1 FROM {sql.table(OrderItem)} item"
        f"  JOIN {sql.table(Order)} o ON o.id = item.order_id"
        f"  WHERE item.product_id = %s AND o.buyer_id = ff.followed_id"
        f"  AND o.show_on_profile AND o.status IN ({sql.placeholders(statuses)}))",
        [viewer.pk, product_id, *statuses],
    )
    return row[0]


@dataclass(frozen=True)
class Purchase:
    """One purchase a fan shows: who, what (the product as it is now), when."""

    item: OrderItem

    @property
    def product(self) -> Product:
        return self.item.product

    @property
    def buyer(self) -> User:
        return self.item.order.buyer

    @property
    def bought_at(self):
        return self.item.order.paid_at


def purchases_page(
    *, user_ids: list[int], cursor: Cursor | None, per_page: int
) -> fan_activity.ActivityPage:
    """The purchases these fans show, newest payment first, paged by keyset on
    (paid_at, item id): one query for the items (buyer, profile, product, shop, creator
    joined) and one for the products' covers, at any depth. Products no longer on sale
    and profiles that went private are left out when read."""
    qs = (
        OrderItem.objects.filter(
            order__buyer_id__in=user_ids,
            order__show_on_profile=True,
            order__status__in=SHOWN_STATUSES,
            order__paid_at__isnull=False,
            order__buyer__is_active=True,
            order__buyer__fan_profile__is_public=True,
            product__status=ProductStatus.PUBLISHED,
            product__shop__creator__user__is_active=True,
        )
        .select_related("order__buyer__fan_profile", "product__shop__creator")
        .prefetch_related(
            Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id"))
        )
    )
    page = fan_activity.keyset_page(
        qs,
        cursor=cursor,
        per_page=per_page,
        time_field="order__paid_at",
        time_of=lambda item: item.order.paid_at,
    )
    page.items = [Purchase(item) for item in page.items]
    return page


def fan_scopes(user_ids: list[int]) -> list[str]:
    """The creator pages naming these fans (their shown orders' shops): touched when a
    fan's profile turns public or private, or their name changes."""
    handles = (
        Order.objects.filter(buyer_id__in=user_ids, show_on_profile=True)
        .values_list("shop__creator__handle", flat=True)
        .distinct()
    )
    return [creator_scope(handle) for handle in handles]


def register() -> None:
    register_fan_scopes(fan_scopes)
    fan_activity.source_register(
        name="purchases",
        heading="Purchases they share",
        template="shops/partials/purchase_activity.html",
        page=purchases_page,
        empty="No purchases shared yet.",
    )
