"""Featured fan content: the creator page's "From our fans" section.

A creator features a fan's comment on one of their posts (here) or a review of one of
their products (reviews.services.review_feature — creators never imports reviews). Both
become a `FeaturedItem` pointing at the content generically; each app registers the
model it lets creators feature (`featurable_register`, from AppConfig.ready) with the
queryset its card needs, whether an object may still be shown, and the card's template.

- At most FEATURED_MAX items per creator; the creator profile row is locked while one is
  added, so two tabs cannot both take the last place.
- The fan is told once ("you were featured"): a FEATURED event the first time a piece of
  content is featured; featuring it again after removing it tells nobody.
- Content that was hidden, removed or moderated, whose post or product is no longer
  public, whose author was suspended or blocked by the creator, disappears from the
  section (the owner sees it marked, to remove it); a deleted comment or review takes its
  item along.
- The section is part of the cached creator page: every write here, and every change
  that can hide an item (comment and review moderation, blocks, suspensions, badges),
  touches the creator's page-cache scope.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404

from core import pagecache
from creators.badges import badges_for_fans
from creators.events import event_record
from creators.models import (
    FEATURED_MAX,
    Block,
    Comment,
    CreatorProfile,
    EngagementEvent,
    EventKind,
    FanBadge,
    FeaturedItem,
    PostStatus,
    PostVisibility,
    User,
)
from creators.page_cache import creator_scope, touch_creators


@dataclass(frozen=True)
class Featurable:
    model: type[models.Model]
    noun: str  # "comment", "review": what the fan is told was featured
    queryset: Callable[[], models.QuerySet]  # loads what the card shows
    visible: Callable[[models.Model], bool]  # may the public still see it?
    template: str  # the card, given `item`, `target`, `profile`, `badges`


_FEATURABLE: dict[type[models.Model], Featurable] = {}


def featurable_register(
    model: type[models.Model],
    *,
    noun: str,
    queryset: Callable[[], models.QuerySet],
    visible: Callable[[models.Model], bool],
    template: str,
) -> None:
    _FEATURABLE[model] = Featurable(model, noun, queryset, visible, template)


def _featurable(model: type[models.Model]) -> Featurable:
    try:
        return _FEATURABLE[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not registered as featurable") from None


# --- Writes -----------------------------------------------------------------------------


def featured_add(*, creator: CreatorProfile, target: models.Model, fan: User) -> FeaturedItem:
    """Feature `target` (written by `fan`) on `creator`'s page; featuring it twice is one
    item. The caller has checked that the content is the creator's to feature."""
    spec = _featurable(type(target))
    target_type = ContentType.objects.get_for_model(target)
    with transaction.atomic():
        CreatorProfile.objects.select_for_update().filter(pk=creator.pk).first()
        items = FeaturedItem.objects.filter(creator=creator)
        existing = items.filter(target_type=target_type, target_id=target.pk).first()
        if existing is not None:
            return existing
        if items.count() >= FEATURED_MAX:
            raise ValidationError(
                f"Your page shows at most {FEATURED_MAX} pieces from fans. Remove one "
                "from “From our fans” first.",
                code="featured_full",
            )
        item = FeaturedItem.objects.create(
            creator=creator, fan=fan, target_type=target_type, target_id=target.pk
        )
        told_before = EngagementEvent.objects.filter(
            kind=EventKind.FEATURED, target_type=target_type, target_id=target.pk
        ).exists()
        if not told_before:
            event_record(
                kind=EventKind.FEATURED,
                actor=creator.user,
                creator=creator,
                target=target,
                payload={"fan_id": fan.pk, "what": spec.noun},
            )
        pagecache.touch(creator_scope(creator.handle))
    return item


def featured_remove(*, creator: CreatorProfile, target: models.Model) -> bool:
    """Take `target` off the creator's page; returns whether it was there."""
    target_type = ContentType.objects.get_for_model(target)
    with transaction.atomic():
        deleted, _ = FeaturedItem.objects.filter(
            creator=creator, target_type=target_type, target_id=target.pk
        ).delete()
    return bool(deleted)  # the delete signal touches the page


def featured_item_get_for_owner(*, user: User, item_id: int) -> FeaturedItem:
    """One of the viewer's own featured items; anyone else gets a 404."""
    item = (
        FeaturedItem.objects.select_related("creator").filter(pk=item_id, creator__user_id=user.pk)
        if user.is_authenticated
        else FeaturedItem.objects.none()
    ).first()
    if item is None:
        raise Http404("Nothing featured here.")
    return item


def featured_item_remove(*, item: FeaturedItem) -> None:
    with transaction.atomic():
        FeaturedItem.objects.filter(pk=item.pk).delete()


def comment_feature(*, creator_user: User, comment: Comment, feature: bool) -> bool:
    """Feature (or stop featuring) a fan's comment on one of the creator's own posts.

    `comment` must come from `threads.comment_get_for_creator` (404 for anyone else); the
    owner check is repeated here so no caller can skip it. Returns whether it is featured.
    """
    if comment.creator_id != creator_user.pk:
        raise Http404("No comment here.")
    profile = CreatorProfile.objects.select_related("user").get(user=creator_user)
    if not feature:
        featured_remove(creator=profile, target=comment)
        return False
    if comment.post_id is None:
        raise ValidationError("Only comments on your posts can be featured.", code="not_post")
    if comment.author_id == creator_user.pk:
        raise ValidationError("Feature what fans say: this comment is yours.", code="own")
    if not _comment_visible(comment):
        raise ValidationError(
            "Only comments everyone can see can be featured: this one is hidden, removed "
            "or on a post that isn’t public.",
            code="not_public",
        )
    featured_add(creator=profile, target=comment, fan=comment.author)
    return True


# --- Reads ------------------------------------------------------------------------------


def _comment_visible(comment: Comment) -> bool:
    post = comment.post
    return (
        not comment.is_hidden
        and comment.deleted_at is None
        and post is not None
        and post.status == PostStatus.PUBLISHED
        and post.visibility == PostVisibility.PUBLIC
    )


@dataclass
class FeaturedCard:
    item: FeaturedItem
    target: models.Model
    template: str
    visible: bool
    badges: list[FanBadge] = field(default_factory=list)


def featured_for_creator(*, profile: CreatorProfile, owner: bool = False) -> list[FeaturedCard]:
    """The creator page's "From our fans", newest first, in a constant number of queries:
    the items (fans joined), one per kind of content present, and the fans' badges.
    Fans see only what is still public; the `owner` also sees the rest, marked."""
    blocked = Block.objects.filter(creator_id=profile.user_id, blocked_id=OuterRef("fan_id"))
    items = (
        FeaturedItem.objects.filter(creator=profile)
        .select_related("fan", "target_type")
        .annotate(fan_blocked=Exists(blocked))
    )
    if not owner:
        items = items.filter(fan__is_active=True, fan_blocked=False)
    items = list(items.order_by("-created_at", "-id")[:FEATURED_MAX])
    by_model: dict[type[models.Model], list[int]] = defaultdict(list)
    for item in items:
        by_model[item.target_type.model_class()].append(item.target_id)
    targets: dict[tuple[type, int], models.Model] = {}
    for model, ids in by_model.items():
        spec = _FEATURABLE.get(model)
        if spec is not None:
            targets.update({(model, obj.pk): obj for obj in spec.queryset().filter(pk__in=ids)})
    cards = []
    for item in items:
        model = item.target_type.model_class()
        target = targets.get((model, item.target_id))
        if target is None:
            continue
        spec = _FEATURABLE[model]
        visible = spec.visible(target) and item.fan.is_active and not item.fan_blocked
        if visible or owner:
            cards.append(FeaturedCard(item, target, spec.template, visible))
    badges = badges_for_fans(
        creator_user_id=profile.user_id, fan_ids=[card.item.fan_id for card in cards]
    )
    for card in cards:
        card.badges = badges.get(card.item.fan_id, [])
    return cards


def featured_target_ids(*, creator_user_id: int, model: type[models.Model], ids) -> set[int]:
    """Which of `ids` (objects of `model`) the creator features: for the Feature/Remove
    buttons of a page of comments or reviews, one query."""
    ids = list(ids)
    if not ids:
        return set()
    return set(
        FeaturedItem.objects.filter(
            creator__user_id=creator_user_id,
            target_type=ContentType.objects.get_for_model(model),
            target_id__in=ids,
        ).values_list("target_id", flat=True)
    )


# --- Wiring -----------------------------------------------------------------------------


def _item_changed(sender, instance: FeaturedItem, **kwargs):
    # Also when a comment or review is deleted and takes its item along (cascade).
    touch_creators(CreatorProfile.objects.filter(pk=instance.creator_id).values("user_id"))


def _fan_changed(sender, instance: User, update_fields=None, **kwargs):
    """A featured fan renamed or suspended: the creator pages showing them change."""
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return
    creators = FeaturedItem.objects.filter(fan=instance).values("creator__user_id")
    touch_creators(creators)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    featurable_register(
        Comment,
        noun="comment",
        queryset=lambda: Comment.objects.select_related("post", "author"),
        visible=_comment_visible,
        template="creators/partials/featured_comment.html",
    )
    post_save.connect(_item_changed, sender=FeaturedItem, dispatch_uid="featuring.item")
    post_delete.connect(_item_changed, sender=FeaturedItem, dispatch_uid="featuring.item")
    post_save.connect(_fan_changed, sender=User, dispatch_uid="featuring.fan")
