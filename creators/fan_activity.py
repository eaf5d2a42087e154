"""What public fans share, for their profile page and their followers' feed.

creators/ knows no app's models, so what a fan shares comes from sources that other apps
register from their AppConfig.ready() (shops registers the purchases fans chose to show):

    fan_activity.source_register(
        name="purchases",
        heading="Purchases they share",
        template="shops/partials/purchase_activity.html",  # renders `items`
        page=purchases_page,  # (user_ids=[…], cursor=Cursor | None, per_page=n) -> ActivityPage
    )

A source's `page` returns the items of these fans newest first, paged by keyset (the
`creators.feed.Cursor` of the last item's time and id), so a deep page costs what the
first does; it must itself require the fans' profiles to be public, and cost a constant
number of queries. shops registers a second source, "lists": the public tastemaker lists
the fans made.

The feed shows this in its own section, "From people you follow", apart from the posts:
mixing two kinds of row into the posts' keyset would need a cursor per source and the
post feed's index plan would be lost, while a separate section keeps both simple.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q

from creators.feed import Cursor
from creators.models import FanFollow, User

FEED_ITEMS = 6


@dataclass
class ActivityPage:
    items: list
    next_cursor: str | None = None


@dataclass(frozen=True)
class ActivitySource:
    name: str
    heading: str  # the section's title on a profile and in the feed
    template: str
    page: Callable[..., ActivityPage]
    empty: str = ""


@dataclass
class SourcePage:
    source: ActivitySource
    page: ActivityPage = field(default_factory=lambda: ActivityPage(items=[]))


_SOURCES: dict[str, ActivitySource] = {}


def source_register(
    *, name: str, heading: str, template: str, page: Callable[..., ActivityPage], empty: str = ""
) -> ActivitySource:
    source = ActivitySource(name=name, heading=heading, template=template, page=page, empty=empty)
    _SOURCES[name] = source
    return source


def keyset_page(
    qs, *, cursor: Cursor | None, per_page: int, time_field: str, time_of
) -> ActivityPage:
    """One page of `qs` newest first by (`time_field`, id), and the cursor of the next:
    what every source's `page` does, at any depth for the cost of the first page."""
    qs = qs.order_by(f"-{time_field}", "-id")
    if cursor is not None:
        qs = qs.filter(**{f"{time_field}__lte": cursor.published_at}).filter(
            Q(**{f"{time_field}__lt": cursor.published_at}) | Q(id__lt=cursor.id)
        )
    rows = list(qs[: per_page + 1])
    items = rows[:per_page]
    next_cursor = None
    if len(rows) > per_page:
        next_cursor = Cursor(published_at=time_of(items[-1]), id=items[-1].pk).encode()
    return ActivityPage(items=items, next_cursor=next_cursor)


def sources() -> list[ActivitySource]:
    return list(_SOURCES.values())


def source_get(name: str) -> ActivitySource | None:
    return _SOURCES.get(name)


def followed_public_fan_ids(*, user: User) -> list[int]:
    """The fans `user` follows whose profile is public now (private ones show nothing)."""
    if not user.is_authenticated:
        return []
    return list(
        FanFollow.objects.filter(
            follower=user, followed__is_active=True, followed__fan_profile__is_public=True
        ).values_list("followed_id", flat=True)
    )


def activity_of(
    *, user_ids: list[int], cursors: dict[str, Cursor | None] | None = None, per_page: int
) -> list[SourcePage]:
    """One page of each source for these (public) fans."""
    cursors = cursors or {}
    if not user_ids:
        return [SourcePage(source) for source in sources()]
    return [
        SourcePage(
            source,
            source.page(user_ids=user_ids, cursor=cursors.get(source.name), per_page=per_page),
        )
        for source in sources()
    ]


def feed_activity(*, user: User, per_page: int = FEED_ITEMS) -> list[SourcePage]:
    """The newest of what the people `user` follows share; empty when they follow none."""
    ids = followed_public_fan_ids(user=user)
    if not ids:
        return []
    return [part for part in activity_of(user_ids=ids, per_page=per_page) if part.page.items]
