"""Tastemaker lists: any fan's public lists of products from any creators.

Rules (docs/architecture.md, "Share links and tastemaker lists"):
- An item is **visible** while its product is published and its creator's account is
  active; hidden, draft and archived products drop out of the list for everyone (the
  author sees how many and may remove them).
- A list is **public** once it has `LIST_MIN_PUBLIC_ITEMS` visible items, is not hidden by
  staff and its author's account is active. Until then only its author sees it, with a
  message saying why; everyone else gets a 404.
- Every owner-only action goes through `list_get_for_owner` / `list_item_get_for_owner`:
  another user's list or item id is a 404.
- A featured list shows on the (cached) home page: every change to one touches the
  catalog scope at commit.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from core import pagecache
from creators import fan_activity
from creators.feed import Cursor
from creators.models import ReportReason, ReportStatus, User
from creators.page_cache import register_fan_scopes
from shops.models import (
    LIST_DESCRIPTION_MAX_LENGTH,
    LIST_MAX_ITEMS,
    LIST_MIN_PUBLIC_ITEMS,
    LIST_NOTE_MAX_LENGTH,
    LIST_TITLE_MAX_LENGTH,
    Product,
    ProductImage,
    ProductStatus,
    ShareLink,
    TastemakerList,
    TastemakerListFollow,
    TastemakerListItem,
    TastemakerListReport,
    public_profile_url,
)

# Tiers of credit on the tastemakers page, by purchases a fan's links influenced.
TIERS = [(25, "Trendsetter"), (5, "Tastemaker"), (1, "Rising tastemaker")]


def tastemaker_tier(purchases: int) -> str:
    return next((label for floor, label in TIERS if purchases >= floor), "")


# --- Visibility ------------------------------------------------------------------------


def visible_product_q(prefix: str = "") -> Q:
    """A product fans can see (and buy): published, from an active creator."""
    return Q(
        **{
            f"{prefix}status": ProductStatus.PUBLISHED,
            f"{prefix}shop__creator__user__is_active": True,
        }
    )


def _visible_count():
    """Subquery: how many visible items the outer list has."""
    counted = (
        TastemakerListItem.objects.filter(taste_list=OuterRef("pk"))
        .filter(visible_product_q("product__"))
        .values("taste_list")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def lists_with_counts() -> QuerySet[TastemakerList]:
    return TastemakerList.objects.select_related("author__fan_profile").annotate(
        visible_count=_visible_count()
    )


def lists_public() -> QuerySet[TastemakerList]:
    return lists_with_counts().filter(
        is_hidden=False, author__is_active=True, visible_count__gte=LIST_MIN_PUBLIC_ITEMS
    )


def list_is_public(taste_list: TastemakerList) -> bool:
    """For a list from `lists_with_counts` (its `visible_count` annotated)."""
    return (
        not taste_list.is_hidden
        and taste_list.author.is_active
        and taste_list.visible_count >= LIST_MIN_PUBLIC_ITEMS
    )


def list_public_or_none(*, list_id: int) -> TastemakerList | None:
    return lists_public().filter(pk=list_id).first()


def list_creator_ids(*, list_id: int) -> set[int]:
    """The creators with a visible product on the list (whose orders its links credit)."""
    return set(
        TastemakerListItem.objects.filter(taste_list_id=list_id)
        .filter(visible_product_q("product__"))
        .values_list("product__shop__creator_id", flat=True)
    )


# --- Reading ---------------------------------------------------------------------------


def list_get_for_viewer(*, list_id, viewer: User) -> TastemakerList:
    """A public list, or any list of the viewer's own; a 404 for everyone else."""
    taste_list = lists_with_counts().filter(pk=list_id).first()
    if taste_list is None:
        raise Http404("No such list.")
    if list_is_public(taste_list) or taste_list.author_id == viewer.pk:
        return taste_list
    raise Http404("No such list.")


def list_get_for_owner(*, user: User, list_id) -> TastemakerList:
    """The signed-in fan's own list; anyone else's (or none) is a 404."""
    if not user.is_authenticated:
        raise Http404("No such list.")
    try:
        pk = int(list_id)
    except (TypeError, ValueError):
        raise Http404("No such list.") from None
    taste_list = lists_with_counts().filter(pk=pk, author=user).first()
    if taste_list is None:
        raise Http404("No such list.")
    return taste_list


def list_item_get_for_owner(*, user: User, list_id, item_id) -> TastemakerListItem:
    taste_list = list_get_for_owner(user=user, list_id=list_id)
    item = TastemakerListItem.objects.filter(pk=item_id, taste_list=taste_list).first()
    if item is None:
        raise Http404("No such item.")
    item.taste_list = taste_list
    return item


def list_items_visible(*, taste_list: TastemakerList) -> list[TastemakerListItem]:
    """The list's visible items in order, products with their shop, creator and cover
    image (two queries; a list holds at most LIST_MAX_ITEMS items)."""
    return list(
        TastemakerListItem.objects.filter(taste_list=taste_list)
        .filter(visible_product_q("product__"))
        .select_related("product__shop__creator")
        .prefetch_related(
            Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id"))
        )
    )


def list_hidden_item_count(*, taste_list: TastemakerList) -> int:
    return TastemakerListItem.objects.filter(taste_list=taste_list).count() - getattr(
        taste_list, "visible_count", 0
    )


def list_followed_by(*, taste_list: TastemakerList, user: User) -> bool:
    if not user.is_authenticated:
        return False
    return TastemakerListFollow.objects.filter(taste_list=taste_list, user=user).exists()


def lists_of_author(*, user: User) -> QuerySet[TastemakerList]:
    return (
        lists_with_counts()
        .filter(author=user)
        .annotate(item_count=Count("items"))
        .order_by("-created_at", "-id")
    )


def lists_followed(*, user: User) -> QuerySet[TastemakerList]:
    """Public lists the fan follows, most recently followed first."""
    follows = TastemakerListFollow.objects.filter(taste_list=OuterRef("pk"), user=user)
    return (
        lists_public()
        .filter(Exists(follows))
        .annotate(followed_at=Subquery(follows.values("created_at")[:1]))
        .order_by("-followed_at", "-id")
    )


def lists_of_user_for_product(*, user: User, product: Product) -> QuerySet[TastemakerList]:
    """The fan's lists, each marked with whether it already holds `product`."""
    return (
        TastemakerList.objects.filter(author=user)
        .annotate(
            has_product=Exists(
                TastemakerListItem.objects.filter(taste_list=OuterRef("pk"), product=product)
            )
        )
        .order_by("-updated_at", "-id")
    )


def lists_featured(*, limit: int = 4) -> list[TastemakerList]:
    """Public lists staff chose for the home page, with their first visible products
    (two queries)."""
    featured = list(lists_public().filter(is_featured=True).order_by("-updated_at", "-id")[:limit])
    items = (
        TastemakerListItem.objects.filter(taste_list__in=featured)
        .filter(visible_product_q("product__"))
        .select_related("product__shop__creator")
    )
    by_list: dict[int, list] = {}
    for item in items:
        by_list.setdefault(item.taste_list_id, []).append(item)
    for taste_list in featured:
        taste_list.preview_items = by_list.get(taste_list.pk, [])[:3]
    return featured


def tastemakers_ranked() -> QuerySet[User]:
    """Fans with a public list, ranked by the purchases their share links (lists and
    shares alike) influenced, then the visits they brought."""
    has_public_list = TastemakerList.objects.filter(
        author=OuterRef("pk"), is_hidden=False
    ).annotate(visible_count=_visible_count())

    def total(field):
        summed = (
            ShareLink.objects.filter(sharer=OuterRef("pk"))
            .values("sharer")
            .annotate(total=Sum(field))
            .values("total")
        )
        return Coalesce(Subquery(summed), 0)

    return (
        User.objects.filter(is_active=True)
        .select_related("fan_profile")
        .filter(Exists(has_public_list.filter(visible_count__gte=LIST_MIN_PUBLIC_ITEMS)))
        .annotate(influenced=total("purchases"), brought_visits=total("visits"))
        .order_by("-influenced", "-brought_visits", "pk")
    )


def tastemakers_with_lists(users: list[User], *, per_user: int = 3) -> list[User]:
    """Attach each tastemaker's public lists (most followed first) in one query."""
    found: dict[int, list] = {}
    public = lists_public().filter(author__in=users).order_by("-follower_count", "-id")
    for taste_list in public:
        found.setdefault(taste_list.author_id, []).append(taste_list)
    for user in users:
        user.public_lists = found.get(user.pk, [])[:per_user]
        user.public_list_count = len(found.get(user.pk, []))
        user.tier = tastemaker_tier(user.influenced)
        user.display_name = user.name or "A fan"
        user.profile_url = public_profile_url(user)
    return users


def lists_page(
    *, user_ids: list[int], cursor: Cursor | None, per_page: int
) -> fan_activity.ActivityPage:
    """The public lists of these (public) fans, newest first, keyset-paged on (created_at,
    id): their profile pages and their followers' feed (creators.fan_activity)."""
    qs = lists_public().filter(author_id__in=user_ids, author__fan_profile__is_public=True)
    return fan_activity.keyset_page(
        qs,
        cursor=cursor,
        per_page=per_page,
        time_field="created_at",
        time_of=lambda taste_list: taste_list.created_at,
    )


def featured_author_scopes(user_ids: list[int]) -> list[str]:
    """The home page names (and links) the authors of featured lists."""
    featured = TastemakerList.objects.filter(author_id__in=user_ids, is_featured=True)
    return [pagecache.CATALOG] if featured.exists() else []


def register() -> None:
    register_fan_scopes(featured_author_scopes)
    fan_activity.source_register(
        name="lists",
        heading="Lists they made",
        template="shops/partials/list_activity.html",
        page=lists_page,
        empty="No public lists yet.",
    )


# --- Writing ---------------------------------------------------------------------------


def _clean_text(*, title: str | None = None, description: str | None = None) -> dict:
    errors = {}
    cleaned = {}
    if title is not None:
        title = title.strip()
        if not title:
            errors["title"] = ["Give your list a title."]
        elif len(title) > LIST_TITLE_MAX_LENGTH:
            errors["title"] = [f"Keep the title under {LIST_TITLE_MAX_LENGTH} characters."]
        cleaned["title"] = title
    if description is not None:
        description = description.strip()
        if len(description) > LIST_DESCRIPTION_MAX_LENGTH:
            errors["description"] = [
                f"Keep the description under {LIST_DESCRIPTION_MAX_LENGTH:,} characters."
            ]
        cleaned["description"] = description
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > LIST_NOTE_MAX_LENGTH:
        raise ValidationError({"note": [f"Keep the note under {LIST_NOTE_MAX_LENGTH} characters."]})
    return note


def _featured_changed(taste_list: TastemakerList) -> None:
    """A featured list shows on the cached home page: make it stale at commit."""
    if taste_list.is_featured:
        pagecache.touch(pagecache.CATALOG)


def _touch(taste_list: TastemakerList) -> None:
    TastemakerList.objects.filter(pk=taste_list.pk).update(updated_at=timezone.now())
    _featured_changed(taste_list)


def list_create(
    *,
    author: User,
    title: str,
    description: str = "",
    product: Product | None = None,
    note: str = "",
) -> TastemakerList:
    """A new list (private until it has enough visible items), optionally with its first
    product."""
    cleaned = _clean_text(title=title, description=description)
    with transaction.atomic():
        taste_list = TastemakerList.objects.create(author=author, **cleaned)
        if product is not None:
            list_item_add(taste_list=taste_list, product=product, note=note)
    return taste_list


def list_update(*, taste_list: TastemakerList, title: str, description: str) -> TastemakerList:
    cleaned = _clean_text(title=title, description=description)
    with transaction.atomic():
        for field, value in cleaned.items():
            setattr(taste_list, field, value)
        taste_list.save(update_fields=["title", "description", "updated_at"])
        _featured_changed(taste_list)
    return taste_list


def list_delete(*, taste_list: TastemakerList) -> None:
    with transaction.atomic():
        _featured_changed(taste_list)
        taste_list.delete()


def list_item_add(
    *, taste_list: TastemakerList, product: Product, note: str = ""
) -> TastemakerListItem:
    """Add a product fans can see to the list, at the end; refused with the reason if
    it is already there, the list is full, or the product is not on sale."""
    note = _clean_note(note)
    if not Product.objects.filter(pk=product.pk).filter(visible_product_q()).exists():
        raise ValidationError("This product is not on sale, so it can’t go on a list.")
    with transaction.atomic():
        # Lock the list row: two adds at once cannot both take the last place.
        TastemakerList.objects.select_for_update().filter(pk=taste_list.pk).first()
        stats = TastemakerListItem.objects.filter(taste_list=taste_list).aggregate(
            n=Count("id"), last=Max("position")
        )
        if stats["n"] >= LIST_MAX_ITEMS:
            raise ValidationError(f"A list holds at most {LIST_MAX_ITEMS} products.")
        try:
            with transaction.atomic():
                item = TastemakerListItem.objects.create(
                    taste_list=taste_list,
                    product=product,
                    note=note,
                    position=(stats["last"] or 0) + 1,
                )
        except IntegrityError:
            raise ValidationError(
                f"“{product.title}” is already on “{taste_list.title}”.", code="duplicate"
            ) from None
        _touch(taste_list)
    return item


def list_item_update_note(*, item: TastemakerListItem, note: str) -> TastemakerListItem:
    item.note = _clean_note(note)
    with transaction.atomic():
        item.save(update_fields=["note"])
        _touch(item.taste_list)
    return item


def list_item_remove(*, item: TastemakerListItem) -> None:
    with transaction.atomic():
        item.delete()
        _touch(item.taste_list)


def list_item_move(*, item: TastemakerListItem, direction: str) -> None:
    """Swap the item with its neighbour above ("up") or below ("down"); positions are
    renumbered 1..n so they stay dense."""
    if direction not in ("up", "down"):
        raise ValidationError("Move the item up or down.")
    with transaction.atomic():
        TastemakerList.objects.select_for_update().filter(pk=item.taste_list_id).first()
        items = list(TastemakerListItem.objects.filter(taste_list_id=item.taste_list_id))
        index = next(i for i, other in enumerate(items) if other.pk == item.pk)
        swap = index - 1 if direction == "up" else index + 1
        if 0 <= swap < len(items):
            items[index], items[swap] = items[swap], items[index]
        for position, other in enumerate(items, start=1):
            other.position = position
        TastemakerListItem.objects.bulk_update(items, ["position"])
        _touch(item.taste_list)


def list_follow(*, user: User, taste_list: TastemakerList) -> bool:
    """Follow a public list (idempotent); returns whether it changed anything."""
    if taste_list.author_id == user.pk:
        raise ValidationError("This is your own list.")
    with transaction.atomic():
        _follow, created = TastemakerListFollow.objects.get_or_create(
            taste_list=taste_list, user=user
        )
        if created:
            TastemakerList.objects.filter(pk=taste_list.pk).update(
                follower_count=F("follower_count") + 1
            )
    return created


def list_unfollow(*, user: User, taste_list: TastemakerList) -> bool:
    with transaction.atomic():
        deleted, _ = TastemakerListFollow.objects.filter(taste_list=taste_list, user=user).delete()
        if deleted:
            TastemakerList.objects.filter(pk=taste_list.pk, follower_count__gt=0).update(
                follower_count=F("follower_count") - 1
            )
    return bool(deleted)


REPORT_DETAILS_MAX_LENGTH = 1000


def list_report(
    *, reporter: User, taste_list: TastemakerList, reason: str, details: str = ""
) -> TastemakerListReport:
    """Flag a list for staff; once per person and list."""
    errors = {}
    if reason not in ReportReason.values:
        errors["reason"] = ["Choose why you are reporting this list."]
    details = (details or "").strip()
    if len(details) > REPORT_DETAILS_MAX_LENGTH:
        errors["details"] = [f"Keep the details under {REPORT_DETAILS_MAX_LENGTH:,} characters."]
    if taste_list.author_id == reporter.pk:
        errors["reason"] = ["This is your own list: edit or delete it instead."]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return TastemakerListReport.objects.create(
                taste_list=taste_list, reporter=reporter, reason=reason, details=details
            )
    except IntegrityError:
        raise ValidationError(
            "You have already reported this list; our team will look at it.", code="duplicate"
        ) from None


# --- Staff -----------------------------------------------------------------------------


def lists_set_featured(*, lists: QuerySet[TastemakerList], featured: bool) -> int:
    with transaction.atomic():
        changed = lists.exclude(is_featured=featured).update(is_featured=featured)
        pagecache.touch(pagecache.CATALOG)
    return changed


def lists_set_hidden(*, lists: QuerySet[TastemakerList], hidden: bool, staff: User) -> int:
    """Hide (or show again) lists; hiding resolves their open reports."""
    with transaction.atomic():
        ids = list(lists.values_list("pk", flat=True))
        changed = TastemakerList.objects.filter(pk__in=ids).update(is_hidden=hidden)
        if hidden:
            TastemakerListReport.objects.filter(
                taste_list_id__in=ids, status=ReportStatus.OPEN
            ).update(status=ReportStatus.HIDDEN, resolved_at=timezone.now(), resolved_by=staff)
        pagecache.touch(pagecache.CATALOG)  # a featured one may leave the home page
    return changed


def list_reports_dismiss(*, reports: QuerySet[TastemakerListReport], staff: User) -> int:
    with transaction.atomic():
        return reports.filter(status=ReportStatus.OPEN).update(
            status=ReportStatus.DISMISSED, resolved_at=timezone.now(), resolved_by=staff
        )
