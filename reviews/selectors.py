"""Reads for review pages; `review_get_for_product_owner` is the creator's owner-checked
accessor (404 for anyone else)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from core import sql
from creators.models import User
from reviews.models import RATING_MAX, RATING_MIN, HelpfulVote, Review
from shops.models import Order, OrderItem, OrderStatus, Product
from shops.orders import PAID_STATUSES


class Sort:
    HELPFUL = "helpful"
    NEWEST = "newest"
    HIGHEST = "highest"
    LOWEST = "lowest"

    CHOICES = [
        (HELPFUL, "Most helpful"),
        (NEWEST, "Newest"),
        (HIGHEST, "Highest rating"),
        (LOWEST, "Lowest rating"),
    ]


# Each ordering ends in the primary key so pages never overlap or skip a review.
ORDERINGS = {
    Sort.HELPFUL: ("-helpful_count", "-created_at", "-id"),
    Sort.NEWEST: ("-created_at", "-id"),
    Sort.HIGHEST: ("-rating", "-created_at", "-id"),
    Sort.LOWEST: ("rating", "-created_at", "-id"),
}


@dataclass(frozen=True)
class ReviewFilters:
    sort: str = Sort.HELPFUL
    stars: int | None = None
    with_photos: bool = False

    @classmethod
    def from_query(cls, query) -> "ReviewFilters":
        """Read `?sort=&stars=&photos=` leniently: anything unknown falls back to the default."""
        sort = query.get("sort", "")
        stars = query.get("stars", "")
        return cls(
            sort=sort if sort in ORDERINGS else Sort.HELPFUL,
            stars=int(stars)
            if stars in {str(n) for n in range(RATING_MIN, RATING_MAX + 1)}
            else None,
            with_photos=query.get("photos") == "1",
        )


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    code: str = ""
    reason: str = ""


def review_eligibility(*, user: User, product: Product) -> Eligibility:
    """May `user` review `product`? Only buyers with a paid order of it, never its creator.

    One query (the order look-up) when `product` comes with its shop and creator.
    """
    return review_eligibility_by_ids(
        user=user, product_id=product.pk, owner_id=product.shop.creator.user_id
    )


def _paid_orders_of(*, user, product_id: int) -> QuerySet[Order]:
    return Order.objects.filter(buyer=user, status__in=PAID_STATUSES, items__product_id=product_id)


def review_eligibility_by_ids(
    *, user: User, product_id: int, owner_id: int, bought: bool | None = None
) -> Eligibility:
    """As `review_eligibility`; `bought`, when the caller knows it, saves the query."""
    if not user.is_authenticated:
        return Eligibility(False, "anonymous", "Sign in to review products you bought.")
    if owner_id == user.pk:
        return Eligibility(
            False,
            "own_product",
            "You can’t review your own product. You can respond to your fans’ reviews instead.",
        )
    if bought is None:
        bought = _paid_orders_of(user=user, product_id=product_id).exists()
    if not bought:
        return Eligibility(
            False,
            "not_a_buyer",
            "Only fans who bought this product can review it, so every review comes from a "
            "verified purchase. Once your order is paid, you can write one here.",
        )
    return Eligibility(True)


def reviews_visible(*, product_id: int) -> QuerySet[Review]:
    return Review.objects.filter(product_id=product_id, is_hidden=False)


def review_list(
    *, product_id: int, filters: ReviewFilters, viewer: User | None = None
) -> QuerySet[Review]:
    """A product's visible reviews for the list: author, response and photos in
    constant queries (the page, plus one prefetch of photos). With a signed-in `viewer`,
    each review says whether they marked it helpful (`voted`, in the same query)."""
    qs = reviews_visible(product_id=product_id)
    if viewer is not None and viewer.is_authenticated:
        qs = qs.annotate(
            voted=Exists(HelpfulVote.objects.filter(review=OuterRef("pk"), user=viewer))
        )
    if filters.stars:
        qs = qs.filter(rating=filters.stars)
    if filters.with_photos:
        qs = qs.filter(photo_count__gt=0)
    return (
        qs.select_related("author", "response")
        .prefetch_related("photos")
        .order_by(*ORDERINGS[filters.sort])
    )


@dataclass(frozen=True)
class RatingSummary:
    count: int
    average: float | None
    histogram: list[tuple[int, int, int]]  # (stars, count, percent), 5 stars first
    with_photos: int


def review_summary(*, product_id: int) -> RatingSummary:
    """Count, average and the 1–5 histogram of a product's visible reviews: one query."""
    counts = reviews_visible(product_id=product_id).aggregate(
        total=Count("id"),
        photos=Count("id", filter=Q(photo_count__gt=0)),
        **{f"s{n}": Count("id", filter=Q(rating=n)) for n in range(RATING_MIN, RATING_MAX + 1)},
    )
    total = counts["total"]
    stars_sum = sum(n * counts[f"s{n}"] for n in range(RATING_MIN, RATING_MAX + 1))
    return RatingSummary(
        count=total,
        average=round(stars_sum / total, 1) if total else None,
        histogram=[
            (n, counts[f"s{n}"], round(100 * counts[f"s{n}"] / total) if total else 0)
            for n in range(RATING_MAX, RATING_MIN - 1, -1)
        ],
        with_photos=counts["photos"],
    )


def review_get_public(*, review_id: int) -> Review:
    """A visible review of a published product (what fans may vote on or report)."""
    review = (
        Review.objects.select_related("product__shop__creator")
        .filter(
            pk=review_id,
            is_hidden=False,
            product__status="published",
            product__shop__creator__user__is_active=True,
        )
        .first()
    )
    if review is None:
        raise Http404("No review.")
    return review


def review_get_for_product_owner(*, user: User, review_id: int) -> Review:
    """A review of one of `user`'s own products, with its response; 404 for anyone else.

    Every creator-side review view goes through here.
    """
    if not user.is_authenticated:
        raise Http404("No review.")
    review = (
        Review.objects.select_related("product__shop__creator", "author", "response")
        .filter(pk=review_id, product__shop__creator__user=user)
        .first()
    )
    if review is None:
        raise Http404("No review.")
    return review


def review_list_for_shop_owner(*, user: User, unanswered: bool = False) -> QuerySet[Review]:
    """Every review (hidden ones too, marked) of the creator's products, newest first."""
    qs = (
        Review.objects.filter(product__shop__creator__user=user)
        .select_related("product__shop__creator", "author", "response")
        .order_by("-created_at", "-id")
    )
    if unanswered:
        qs = qs.filter(response__isnull=True, is_hidden=False)
    return qs


def review_of(*, user: User, product_id: int) -> Review | None:
    if not user.is_authenticated:
        return None
    return (
        Review.objects.filter(author=user, product_id=product_id).prefetch_related("photos").first()
    )


@dataclass(frozen=True)
class FanState:
    review_id: int | None
    review_hidden: bool
    bought: bool


def fan_state(*, user: User, product_id: int) -> FanState:
    """The fan's own review of the product (id, hidden) and whether they bought it, in
    one query: what the product page's call to action needs."""
    if not user.is_authenticated:
        return FanState(review_id=None, review_hidden=False, bought=False)
    statuses = [str(status) for status in PAID_STATUSES]
    mine = f"FROM {sql.table(Review)} WHERE author_id = %s AND product_id = %s"
    review_id, review_hidden, bought = sql.one(  # on every product page (core/sql.py)
        f"SELECT (SELECT id {mine}), (SELECT is_hidden {mine}), EXISTS("  # noqa: S608 (see core/sql.py)
        f" SELECT 1 FROM {sql.table(Order)} o JOIN {sql.table(OrderItem)} item"
        f" ON item.order_id = o.id WHERE o.buyer_id = %s AND item.product_id = %s"
        f" AND o.status IN ({sql.placeholders(statuses)}))",
        [user.pk, product_id, user.pk, product_id, user.pk, product_id, *statuses],
    )
    return FanState(review_id=review_id, review_hidden=bool(review_hidden), bought=bool(bought))


def review_request_due_order_ids(
    *, now: datetime, after_days: int, window_days: int, limit: int = 500
) -> list[int]:
    """Orders whose review request is due: delivered `after_days` ago (or paid, for orders
    with nothing to ship), within `window_days` of that, with no request decided yet."""
    from datetime import timedelta

    due = now - timedelta(days=after_days)
    oldest = due - timedelta(days=window_days)
    delivered = Q(status=OrderStatus.DELIVERED, delivered_at__lte=due, delivered_at__gt=oldest)
    digital_paid = Q(
        ship_line1="",
        status__in=PAID_STATUSES,
        paid_at__lte=due,
        paid_at__gt=oldest,
    )
    return list(
        Order.objects.filter(
            delivered | digital_paid, buyer__isnull=False, review_request__isnull=True
        )
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
