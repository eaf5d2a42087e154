"""Which cached public pages a creators write makes stale (the mechanism is core.pagecache).

Model signals cover every save and delete — services and admin alike; writes that bypass
signals (guarded UPDATEs) call `touch_creators` themselves. Also the owner check of the
creator and product pages: a creator always sees their own pages fresh, with controls.
"""

from collections.abc import Callable

from django.db.models.signals import post_delete, post_save, pre_delete

from core import pagecache
from core.pagecache import CATALOG
from creators.models import (
    Comment,
    CreatorProfile,
    FanProfile,
    Follow,
    Post,
    PostImage,
    Reaction,
    User,
)
from creators.selectors import creator_profile_of

HOLES = (
    "creators/partials/follow_hole.html",
    "creators/partials/creator_posts_hole.html",
)


def creator_scope(handle: str) -> str:
    return f"creator:{handle.lower()}"


def owns_handle(kwarg: str) -> Callable:
    """`cached_page(owner=owns_handle("handle"))`: the signed-in creator whose handle is
    in that URL argument is the page's owner (and gets it fresh)."""

    def is_owner(request, kwargs) -> bool:
        handle = kwargs.get(kwarg)
        if handle is None or not request.user.is_authenticated:
            return False
        profile = creator_profile_of(request.user)
        request.my_creator_profile = profile  # the header's context processor reuses it
        return profile is not None and profile.handle.lower() == handle.lower()

    return is_owner


def _profile_changed(sender, instance, **kwargs):
    pagecache.touch(CATALOG, creator_scope(instance.handle))


def _user_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return  # signing in changes nothing anyone else sees

    handle = CreatorProfile.objects.filter(user=instance).values_list("handle", flat=True).first()
    if handle is not None:  # a creator's account (e.g. deactivated) shows on their pages
        pagecache.touch(CATALOG, creator_scope(handle))
    if not kwargs.get("created"):  # a fan's name (or deactivation) shows where they bought
        touch_fans([instance.pk])


def _user_deleted(sender, instance, **kwargs):
    touch_fans([instance.pk])


def touch_creators(user_ids) -> None:
    """Invalidate the pages of these users' creator profiles (creator and product pages)
    at commit; for writes that bypass model signals (guarded UPDATEs)."""

    handles = CreatorProfile.objects.filter(user_id__in=user_ids).values_list("handle", flat=True)
    pagecache.touch(*(creator_scope(handle) for handle in handles))


# Fans' public pages: other apps show a public fan's name on creators' pages (the product
# page's "Ana and Li bought this"). They register, from AppConfig.ready(), a function that
# names the scopes a fan appears in; a change of the fan's name or visibility touches them.
_FAN_SCOPE_SOURCES: list[Callable[[list[int]], list[str]]] = []


def register_fan_scopes(source: Callable[[list[int]], list[str]]) -> None:
    """`source(user_ids)` returns the scopes of every cached page showing these fans."""
    if source not in _FAN_SCOPE_SOURCES:
        _FAN_SCOPE_SOURCES.append(source)


def touch_fans(user_ids) -> None:
    """Invalidate, at commit, every cached page that shows these fans by name."""
    ids = [int(user_id) for user_id in user_ids]
    if ids:
        pagecache.touch(*(scope for source in _FAN_SCOPE_SOURCES for scope in source(ids)))


def _fan_profile_changed(sender, instance, **kwargs):
    touch_fans([instance.user_id])  # public or private, named or not: pages must follow


def _post_changed(sender, instance, **kwargs):
    touch_creators([instance.creator_id])  # the creator page lists the latest posts


def _post_image_changed(sender, instance, **kwargs):

    touch_creators(Post.objects.filter(pk=instance.post_id).values("creator_id"))


def _follow_changed(sender, instance, **kwargs):
    # Follower and following counts show on both people's creator pages.
    touch_creators([instance.followed_id, instance.follower_id])


def _comment_changed(sender, instance, **kwargs):
    touch_creators([instance.creator_id])  # product questions show on cached pages


def _reaction_changed(sender, instance, **kwargs):

    if instance.comment_id is not None:
        owners = Comment.objects.filter(pk=instance.comment_id).values("creator_id")
    else:
        owners = Post.objects.filter(pk=instance.post_id).values("creator_id")
    touch_creators(owners)


def connect() -> None:
    for hole in HOLES:
        pagecache.register_hole(hole)
    for model, handler in ((Comment, _comment_changed), (Reaction, _reaction_changed)):
        post_save.connect(handler, sender=model, dispatch_uid=f"pagecache.{model.__name__}")
        post_delete.connect(handler, sender=model, dispatch_uid=f"pagecache.{model.__name__}")

    for model, handler in ((Post, _post_changed), (PostImage, _post_image_changed)):
        post_save.connect(handler, sender=model, dispatch_uid=f"pagecache.{model.__name__}")
        post_delete.connect(handler, sender=model, dispatch_uid=f"pagecache.{model.__name__}")
    post_save.connect(_follow_changed, sender=Follow, dispatch_uid="pagecache.follow")
    post_delete.connect(_follow_changed, sender=Follow, dispatch_uid="pagecache.follow")

    post_save.connect(_profile_changed, sender=CreatorProfile, dispatch_uid="pagecache.profile")
    post_delete.connect(_profile_changed, sender=CreatorProfile, dispatch_uid="pagecache.profile")
    post_save.connect(_user_changed, sender=User, dispatch_uid="pagecache.user")
    # pre_delete: an account's deletion empties its orders' buyer before post_delete.
    post_save.connect(_fan_profile_changed, sender=FanProfile, dispatch_uid="pagecache.fan")
    pre_delete.connect(_fan_profile_changed, sender=FanProfile, dispatch_uid="pagecache.fan")
    pre_delete.connect(_user_deleted, sender=User, dispatch_uid="pagecache.user_deleted")
