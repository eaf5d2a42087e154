"""Post use cases: write, publish now or later, edit, delete.

Each is one `transaction.atomic()`. Publishing (now, or by the scheduler when the time
comes) moves the status and records `post_published` in the same transaction, under a
row lock that only a not-yet-published post passes, so the event is recorded once however
often the scheduler runs. Tagged products are written by shops (`shops.post_products`),
which wraps these services in its own transaction.
"""

from datetime import datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.utils import timezone

from core import images as image_gate
from core.images import CleanImage
from core.rich_text import markdown_to_html
from creators.events import event_record
from creators.models import (
    POST_BODY_MAX_LENGTH,
    POST_MAX_IMAGES,
    CreatorProfile,
    EventKind,
    Post,
    PostImage,
    PostStatus,
    PostVisibility,
    User,
)

LINK_URL_MAX_LENGTH = 500


class PostAction(models.TextChoices):
    DRAFT = "draft", "Save as draft"
    PUBLISH = "publish", "Publish now"
    SCHEDULE = "schedule", "Schedule for later"


def _validate(
    *,
    body: str,
    link_url: str,
    visibility: str,
    action: str,
    publish_at: datetime | None,
    image_count: int,
    now: datetime,
) -> None:
    errors: dict[str, list[str]] = {}
    if not body.strip():
        errors["body"] = ["Write something for your fans: a post can’t be empty."]
    elif len(body) > POST_BODY_MAX_LENGTH:
        errors["body"] = [
            f"A post has at most {POST_BODY_MAX_LENGTH:,} characters; this one has {len(body):,}."
        ]
    if link_url:
        try:
            if len(link_url) > LINK_URL_MAX_LENGTH:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(link_url)
        except ValidationError:
            errors["link_url"] = [
                "Enter a web address starting with http:// or https:// "
                f"(up to {LINK_URL_MAX_LENGTH} characters)."
            ]
    if visibility not in PostVisibility.values:
        errors["visibility"] = ["Choose who can see the post: everyone or followers only."]
    if action not in PostAction.values:
        errors["action"] = ["Choose to save a draft, publish now or schedule."]
    elif action == PostAction.SCHEDULE:
        if publish_at is None:
            errors["publish_at"] = ["Pick the date and time to publish at."]
        elif publish_at <= now:
            errors["publish_at"] = [
                "That time has already passed: pick a time in the future "
                f"(it is now {timezone.localtime(now):%Y-%m-%d %H:%M %Z}), or publish now."
            ]
    if image_count > POST_MAX_IMAGES:
        errors["images"] = [
            f"A post can have at most {POST_MAX_IMAGES} images; this would make {image_count}."
        ]
    if errors:
        raise ValidationError(errors)


def _author_profile(author: User) -> CreatorProfile:
    profile = CreatorProfile.objects.filter(user=author).first()
    if profile is None:
        raise ValidationError("Open a shop first: posts come from creators.", code="not_creator")
    return profile


def _image_files(image: PostImage) -> list[str]:
    return [image.image.name, *image.variants.values()]


def _publish(*, post: Post, profile: CreatorProfile, now: datetime, scheduled: bool) -> None:
    post.status = PostStatus.PUBLISHED
    post.published_at = now
    post.save(update_fields=["status", "published_at", "publish_at", "updated_at"])
    event_record(
        kind=EventKind.POST_PUBLISHED,
        actor=post.creator,
        creator=profile,
        target=post,
        payload={
            "visibility": post.visibility,
            "is_question": post.is_question,
            "scheduled": scheduled,
        },
    )


def _apply_action(
    *, post: Post, profile: CreatorProfile, action: str, publish_at, now: datetime
) -> None:
    if post.status == PostStatus.PUBLISHED:
        return  # editing a published post keeps it published (and records nothing new)
    if action == PostAction.PUBLISH:
        post.publish_at = None
        _publish(post=post, profile=profile, now=now, scheduled=False)
        return
    if action == PostAction.SCHEDULE:
        post.status, post.publish_at = PostStatus.SCHEDULED, publish_at
    else:
        post.status, post.publish_at = PostStatus.DRAFT, None
    post.save(update_fields=["status", "publish_at", "updated_at"])


def post_create(
    *,
    author: User,
    body: str,
    link_url: str = "",
    is_question: bool = False,
    visibility: str = PostVisibility.PUBLIC,
    action: str = PostAction.DRAFT,
    publish_at: datetime | None = None,
    images: list[CleanImage] | None = None,
    image_alt: str = "",
) -> Post:
    """A new post by a creator: a draft, published now, or scheduled for `publish_at`."""
    now = timezone.now()
    clean_images = images or []
    link_url = link_url.strip()
    _validate(
        body=body,
        link_url=link_url,
        visibility=visibility,
        action=action,
        publish_at=publish_at,
        image_count=len(clean_images),
        now=now,
    )
    profile = _author_profile(author)
    with image_gate.discard_on_error(), transaction.atomic():
        post = Post.objects.create(
            creator=author,
            body=body,
            body_html=markdown_to_html(body),
            link_url=link_url,
            is_question=is_question,
            visibility=visibility,
        )
        image_gate.store_ordered_images(
            PostImage, clean_images, image_gate.POST, alt_text=image_alt, post=post
        )
        _apply_action(post=post, profile=profile, action=action, publish_at=publish_at, now=now)
    return post


def post_update(
    *,
    post: Post,
    body: str,
    link_url: str = "",
    is_question: bool = False,
    visibility: str = PostVisibility.PUBLIC,
    action: str = PostAction.DRAFT,
    publish_at: datetime | None = None,
    new_images: list[CleanImage] | None = None,
    remove_image_ids: list[int] | None = None,
    image_alt: str = "",
) -> Post:
    """Edit a post. A published post stays published; a draft or scheduled one follows
    `action`. Images are added after the kept ones, or removed (files go on commit)."""
    now = timezone.now()
    new_images = new_images or []
    remove = set(remove_image_ids or [])
    link_url = link_url.strip()
    profile = _author_profile(post.creator)
    with image_gate.discard_on_error(), transaction.atomic():
        post = Post.objects.select_for_update().select_related("creator").get(pk=post.pk)
        current = list(post.images.all())
        kept = [image for image in current if image.pk not in remove]
        removed = [image for image in current if image.pk in remove]
        _validate(
            body=body,
            link_url=link_url,
            visibility=visibility,
            action=PostAction.PUBLISH if post.is_published else action,
            publish_at=publish_at,
            image_count=len(kept) + len(new_images),
            now=now,
        )
        post.body = body
        post.body_html = markdown_to_html(body)
        post.link_url = link_url
        post.is_question = is_question
        post.visibility = visibility
        post.save()
        if removed:
            PostImage.objects.filter(pk__in=[image.pk for image in removed]).delete()
            old = [name for image in removed for name in _image_files(image)]
            transaction.on_commit(partial(image_gate.delete_files, old))
        for index, image in enumerate(kept):
            image.position = index
        PostImage.objects.bulk_update(kept, ["position"])
        image_gate.store_ordered_images(
            PostImage, new_images, image_gate.POST, start=len(kept), alt_text=image_alt, post=post
        )
        _apply_action(post=post, profile=profile, action=action, publish_at=publish_at, now=now)
    return post


def post_delete(*, post: Post) -> None:
    """Delete a post with its images (and, by cascade, whatever hangs off it)."""
    with transaction.atomic():
        old = [name for image in post.images.all() for name in _image_files(image)]
        post.delete()
        transaction.on_commit(partial(image_gate.delete_files, old))


def post_publish_scheduled(*, post_id: int, now: datetime | None = None) -> bool:
    """Publish one scheduled post if it is due. Safe to run twice: the second run finds
    the post no longer scheduled and does nothing. Returns whether it published."""
    now = now or timezone.now()
    with transaction.atomic():
        post = (
            Post.objects.select_for_update()
            .select_related("creator")
            .filter(pk=post_id, status=PostStatus.SCHEDULED, publish_at__lte=now)
            .first()
        )
        if post is None:
            return False
        profile = CreatorProfile.objects.filter(user_id=post.creator_id).first()
        _publish(post=post, profile=profile, now=now, scheduled=True)
    return True


def posts_due_ids(*, now: datetime, limit: int = 500) -> list[int]:
    return list(
        Post.objects.filter(status=PostStatus.SCHEDULED, publish_at__lte=now)
        .order_by("publish_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def posts_publish_due(*, now: datetime | None = None) -> int:
    """Publish every scheduled post whose time has come; returns how many it published."""
    now = now or timezone.now()
    return sum(post_publish_scheduled(post_id=pk, now=now) for pk in posts_due_ids(now=now))
