"""Reads that creator pages need."""

from dataclasses import dataclass

from django.db.models import Count, IntegerField, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.http import Http404

from core import sql
from core.http import form_id
from creators.handles import handle_key
from creators.models import (
    Block,
    CreatorProfile,
    FanFollow,
    FanProfile,
    Follow,
    Post,
    PostVisibility,
    User,
)


def _by_handle(handle: str) -> QuerySet[CreatorProfile]:
    # Compare on LOWER(handle) so the case-insensitive unique index serves the lookup.
    return CreatorProfile.objects.alias(handle_lower=Lower("handle")).filter(
        handle_lower=handle_key(handle)
    )


def handle_is_taken(*, handle: str, exclude_user: User | None = None) -> bool:
    qs = _by_handle(handle)
    if exclude_user is not None:
        qs = qs.exclude(user=exclude_user)
    return qs.exists()


def creator_get_public(*, handle: str) -> CreatorProfile:
    profile = _by_handle(handle).select_related("user").first()
    if profile is None or not profile.user.is_active:
        raise Http404("No creator with that handle.")
    return profile


def creator_profile_get_for_owner(*, user: User, handle: str) -> CreatorProfile:
    """The profile behind `handle`, only for its owner: anyone else gets a 404."""
    if not user.is_authenticated:
        raise Http404("No creator with that handle.")
    profile = _by_handle(handle).filter(user=user).first()
    if profile is None:
        raise Http404("No creator with that handle.")
    return profile


def creator_profile_of(user: User) -> CreatorProfile | None:
    if not user.is_authenticated:
        return None
    relation = User.creator_profile.related
    if relation.is_cached(user):  # loaded with the user (relcommerce.auth_backends) or set
        return relation.get_cached_value(user)
    if getattr(user, "has_creator_profile", None) is False:  # loaded with the user: none
        return None
    return CreatorProfile.objects.filter(user=user).first()


def creator_profile_exists(*, user: User) -> bool:
    """Whether `user` is a creator now: read from the database, not from the profile
    cached on the user when the request began."""
    return CreatorProfile.objects.filter(user=user).exists()


def creators_active() -> QuerySet[CreatorProfile]:
    return CreatorProfile.objects.filter(user__is_active=True)


def creators_featured(*, limit: int = 8) -> list[CreatorProfile]:
    """Staff-featured creators first, topped up with the newest so the page is never empty."""
    featured = list(creators_active().filter(is_featured=True).order_by("-created_at")[:limit])
    if len(featured) < limit:
        featured += list(
            creators_active()
            .filter(is_featured=False)
            .order_by("-created_at")[: limit - len(featured)]
        )
    return featured


def creator_search(*, query: str = "") -> QuerySet[CreatorProfile]:
    qs = creators_active().order_by("display_name", "id")
    query = query.strip()
    if query:
        qs = qs.filter(handle__icontains=query) | qs.filter(display_name__icontains=query)
    return qs


# Follows -----------------------------------------------------------------------------------


def creator_profile_by_user_id(user_id: int) -> CreatorProfile:
    return CreatorProfile.objects.select_related("user").get(user_id=user_id)


def follow_exists(*, follower: User, followed_id: int) -> bool:
    """Asked on every creator, post and product page a fan sees (SQL: core/sql.py)."""
    if not follower.is_authenticated:
        return False
    return sql.exists(
        f"SELECT 1 FROM {sql.table(Follow)} WHERE follower_id = %s AND followed_id = %s",  # noqa: S608 (see core/sql.py)
        [follower.pk, followed_id],
    )


@dataclass(frozen=True)
class Standing:
    follows: bool  # the viewer follows the creator
    blocked: bool  # the creator blocked the viewer from their threads


def viewer_standing(*, viewer: User, creator_id: int) -> Standing:
    """Both, in one query, remembered on `viewer` (the user object of one request): a
    product page asks both, in two of its holes (the follow button, the questions)."""
    if not viewer.is_authenticated:
        return Standing(follows=False, blocked=False)
    memo = viewer.__dict__.setdefault("_standing", {})
    if creator_id not in memo:
        follows, blocked = sql.one(
            f"SELECT EXISTS(SELECT 1 FROM {sql.table(Follow)}"  # noqa: S608 (see core/sql.py)
            " WHERE follower_id = %s AND followed_id = %s),"
            f" EXISTS(SELECT 1 FROM {sql.table(Block)} WHERE creator_id = %s AND blocked_id = %s)",
            [viewer.pk, creator_id, creator_id, viewer.pk],
        )
        memo[creator_id] = Standing(follows=bool(follows), blocked=bool(blocked))
    return memo[creator_id]


def block_exists(*, creator_id: int, user_id: int) -> bool:
    """The creator blocked this user from their threads (asked on every product page)."""
    return sql.exists(
        f"SELECT 1 FROM {sql.table(Block)} WHERE creator_id = %s AND blocked_id = %s",  # noqa: S608 (see core/sql.py)
        [creator_id, user_id],
    )


def follow_counts(*, user_id: int) -> dict[str, int]:
    """Followers and following of one user, in one query (two counted subqueries)."""
    followers = Follow.objects.filter(followed_id=user_id).values("followed_id")
    following = Follow.objects.filter(follower_id=user_id).values("follower_id")
    counts = (
        User.objects.filter(pk=user_id)
        .annotate(
            followers=Subquery(
                followers.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
            ),
            following=Subquery(
                following.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
            ),
        )
        .values("followers", "following")
        .first()
    ) or {}
    return {key: counts.get(key) or 0 for key in ("followers", "following")}


def followers_of(*, user: User, query: str = "") -> QuerySet[Follow]:
    """Who follows `user`, newest first; `query` matches the fan's name, their creator
    handle or their exact email address (a creator can check whether someone follows,
    without browsing fans' email addresses)."""
    qs = Follow.objects.filter(followed=user).select_related("follower__creator_profile")
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(follower__name__icontains=query)
            | Q(follower__creator_profile__handle__icontains=query.lstrip("@"))
            | Q(follower__email__iexact=query)
        )
    return qs.order_by("-created_at", "-id")


def following_of(*, user: User) -> QuerySet[Follow]:
    """The creators `user` follows, most recent first."""
    return (
        Follow.objects.filter(follower=user, followed__creator_profile__isnull=False)
        .select_related("followed__creator_profile")
        .order_by("-created_at", "-id")
    )


# Posts -------------------------------------------------------------------------------------


def _posts_with_author() -> QuerySet[Post]:
    return Post.objects.select_related("creator__creator_profile").prefetch_related("images")


def post_get_for_owner(*, user: User, post_id: int) -> Post:
    """One of `user`'s own posts, any status; anyone else gets a 404."""
    if not user.is_authenticated:
        raise Http404("No post here.")
    post = _posts_with_author().filter(pk=post_id, creator=user).first()
    if post is None:
        raise Http404("No post here.")
    return post


def post_get_public(*, handle: str, post_id: int, viewer: User) -> Post:
    """A published post of the creator behind `handle`; drafts and scheduled posts only
    for their author. Followers-only posts are returned too: the page shows a teaser."""
    post = (
        _posts_with_author()
        .alias(handle_lower=Lower("creator__creator_profile__handle"))
        .filter(pk=post_id, handle_lower=handle_key(handle), creator__is_active=True)
        .first()
    )
    if post is None or (not post.is_published and post.creator_id != viewer.pk):
        raise Http404("No post here.")
    return post


def post_visible_get(*, post_id, viewer: User) -> Post | None:
    """The post behind an id from a form, by the post page's rules: published posts of
    active creators for everyone, any status for the author; None otherwise (malformed
    ids too). A followers-only post is returned: ask `post_can_view` before quoting it."""
    pk = form_id(post_id)
    if pk is None:
        return None
    post = (
        Post.objects.select_related("creator__creator_profile")
        .filter(pk=pk, creator__is_active=True, creator__creator_profile__isnull=False)
        .first()
    )
    if post is None or (not post.is_published and post.creator_id != viewer.pk):
        return None
    return post


def posts_for_studio(*, user: User) -> QuerySet[Post]:
    return Post.objects.filter(creator=user).prefetch_related("images").order_by("-created_at")


def post_can_view(*, post: Post, viewer: User, is_follower: bool) -> bool:
    """Whether `viewer` sees the whole post (else a teaser and a follow button)."""
    return post.visibility == PostVisibility.PUBLIC or post.creator_id == viewer.pk or is_follower


# Fans' public profiles and fans following fans (creators/fans.py) --------------------------


def fan_profile_get_public(*, public_id: str, viewer: User | None = None) -> FanProfile:
    """A fan's public profile; a private one (or a closed account) is a 404 for anyone but
    its owner, who may preview it."""
    profile = (
        FanProfile.objects.select_related("user").filter(public_id=public_id[:16].lower()).first()
    )
    is_owner = profile is not None and viewer is not None and viewer.pk == profile.user_id
    if profile is None or not profile.user.is_active or not (profile.is_public or is_owner):
        raise Http404("No public profile here.")
    return profile


def fan_follow_exists(*, follower: User, followed_id: int) -> bool:
    if not follower.is_authenticated:
        return False
    return FanFollow.objects.filter(follower=follower, followed_id=followed_id).exists()


def fan_follower_count(*, user_id: int) -> int:
    return FanFollow.objects.filter(followed_id=user_id, follower__is_active=True).count()


def fans_followed_by(*, user: User) -> QuerySet[FanFollow]:
    """The public fans `user` follows, most recent first (private ones are left out)."""
    return (
        FanFollow.objects.filter(
            follower=user, followed__is_active=True, followed__fan_profile__is_public=True
        )
        .select_related("followed__fan_profile")
        .order_by("-created_at", "-id")
    )
