"""Comments, questions, replies and likes: the fan ↔ creator conversation.

Every use case is one `transaction.atomic()` and records its engagement event in it:
`comment` (top-level on a post), `question` (top-level on a product), `reply` (a fan's
reply) or `creator_reply` (the owner's reply, which also stamps the top-level comment's
`first_response_at` the first time). A like records `reaction`; taking a like back
records nothing: the event log counts acts of engagement, and the counter on the post or
comment always shows the current number.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from core.rich_text import markdown_to_html
from creators import comment_targets
from creators.events import event_record
from creators.models import (
    COMMENT_EDIT_WINDOW_SECONDS,
    COMMENT_MAX_LENGTH,
    Comment,
    CreatorProfile,
    EventKind,
    Post,
    Reaction,
    User,
)
from creators.page_cache import touch_creators
from creators.selectors import block_exists, follow_exists


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError("Write something first: a comment can’t be empty.", code="empty")
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            f"A comment has at most {COMMENT_MAX_LENGTH:,} characters; this one has {len(body):,}.",
            code="too_long",
        )
    return body


def _profile_of(user_id: int) -> CreatorProfile | None:
    return CreatorProfile.objects.filter(user_id=user_id).first()


def _check_may_comment(*, author: User, owner_id: int) -> None:
    if not author.is_active:
        raise ValidationError("This account can’t comment.", code="inactive")
    if author.pk != owner_id and block_exists(creator_id=owner_id, user_id=author.pk):
        raise ValidationError(
            "The creator has turned off comments from your account on their posts and products.",
            code="blocked",
        )


def _check_post_open(*, author: User, post: Post) -> None:
    if not post.is_published:
        raise ValidationError("This post isn’t published, so it can’t take comments yet.")
    if (
        post.is_followers_only
        and author.pk != post.creator_id
        and not follow_exists(follower=author, followed_id=post.creator_id)
    ):
        raise ValidationError(
            "This post is for followers only: follow the creator to join the conversation.",
            code="followers_only",
        )


def _subject_payload(comment: Comment) -> dict:
    if comment.post_id is not None:
        return {"comment_id": comment.pk, "post_id": comment.post_id}
    return {
        "comment_id": comment.pk,
        "target": comment.target_type.model,
        "target_id": comment.target_id,
    }


def _create_top_level(*, author: User, owner_id: int, body: str, kind: EventKind, **subject):
    with transaction.atomic():
        comment = Comment.objects.create(
            creator_id=owner_id,
            author=author,
            body=body,
            body_html=markdown_to_html(body),
            **subject,
        )
        event_record(
            kind=kind,
            actor=author,
            creator=_profile_of(owner_id),
            target=comment,
            payload=_subject_payload(comment),
        )
    return comment


def comment_create_on_post(*, author: User, post: Post, body: str) -> Comment:
    """A top-level comment (or an answer to a question post) by anyone who may see it."""
    body = _clean_body(body)
    _check_post_open(author=author, post=post)
    _check_may_comment(author=author, owner_id=post.creator_id)
    return _create_top_level(
        author=author, owner_id=post.creator_id, body=body, kind=EventKind.COMMENT, post=post
    )


def comment_create_on_target(*, author: User, target: models.Model, owner: User, body: str):
    """A question on another app's object (a product) owned by the creator `owner`."""
    if not comment_targets.is_registered(target):
        raise ValueError(f"{type(target).__name__} is not registered for comments.")
    body = _clean_body(body)
    _check_may_comment(author=author, owner_id=owner.pk)
    return _create_top_level(
        author=author,
        owner_id=owner.pk,
        body=body,
        kind=EventKind.QUESTION,
        target_type=comment_targets.target_type_of(target),
        target_id=target.pk,
    )


def comment_reply(*, author: User, parent: Comment, body: str) -> Comment:
    """Reply to a comment. Threads are one level deep: a reply to a reply joins the
    top-level comment's thread. The owner's first reply answers the comment (Inbox)."""
    body = _clean_body(body)
    with transaction.atomic():
        clicked = parent
        top_id = parent.parent_id or parent.pk
        top = Comment.objects.select_for_update(of=("self",)).select_related("post").get(pk=top_id)
        for comment in {clicked.pk: clicked, top.pk: top}.values():
            if comment.is_deleted:
                raise ValidationError(
                    "That comment was removed, so it can’t take replies.", code="deleted"
                )
            if comment.is_hidden:
                raise ValidationError(
                    "That comment is hidden, so it can’t take replies.", code="hidden"
                )
        if top.post_id is not None:
            _check_post_open(author=author, post=top.post)
        _check_may_comment(author=author, owner_id=top.creator_id)
        now = timezone.now()
        reply = Comment.objects.create(
            creator_id=top.creator_id,
            author=author,
            post_id=top.post_id,
            target_type_id=top.target_type_id,
            target_id=top.target_id,
            parent=top,
            body=body,
            body_html=markdown_to_html(body),
            created_at=now,
        )
        payload = {**_subject_payload(reply), "parent_id": top.pk}
        by_owner = author.pk == top.creator_id
        if by_owner and top.author_id != top.creator_id and top.first_response_at is None:
            top.first_response_at = now
            top.save(update_fields=["first_response_at"])
            payload["response_seconds"] = int((now - top.created_at).total_seconds())
        event_record(
            kind=EventKind.CREATOR_REPLY if by_owner else EventKind.REPLY,
            actor=author,
            creator=_profile_of(top.creator_id),
            target=reply,
            payload=payload,
        )
    return reply


def comment_edit_deadline(comment: Comment) -> datetime:
    return comment.created_at + timezone.timedelta(seconds=COMMENT_EDIT_WINDOW_SECONDS)


def comment_can_edit(comment: Comment, *, now: datetime | None = None) -> bool:
    return not comment.is_deleted and (now or timezone.now()) <= comment_edit_deadline(comment)


def comment_update(*, comment: Comment, body: str) -> Comment:
    """The author's correction, within 15 minutes of posting (no event: same comment)."""
    body = _clean_body(body)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.is_deleted:
            raise ValidationError("That comment was removed.", code="deleted")
        if not comment_can_edit(comment):
            minutes = COMMENT_EDIT_WINDOW_SECONDS // 60
            raise ValidationError(
                f"Comments can be edited for {minutes} minutes after posting; this one’s "
                "time is up. You can still delete it.",
                code="edit_window",
            )
        comment.body = body
        comment.body_html = markdown_to_html(body)
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def comment_delete(*, comment: Comment) -> None:
    """Soft delete: the text goes, the row stays so replies keep their place."""
    with transaction.atomic():
        Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now(), body="", body_html=""
        )
        comment.featured.all().delete()  # its place on the creator's page goes too
        touch_creators([comment.creator_id])


def comment_mark_handled(*, comment: Comment) -> bool:
    """The creator takes a comment out of the Inbox without replying."""
    with transaction.atomic():
        return bool(
            Comment.objects.filter(pk=comment.pk, handled_at__isnull=True).update(
                handled_at=timezone.now()
            )
        )


# Likes -------------------------------------------------------------------------------------


def _counter_model(*, post: Post | None, comment: Comment | None):
    if (post is None) == (comment is None):
        raise ValueError("Like exactly one post or comment.")
    return (Post, post) if post is not None else (Comment, comment)


def reaction_add(*, user: User, post: Post | None = None, comment: Comment | None = None) -> bool:
    """Like a post or comment; returns whether a new like was made (liking twice is one)."""
    model, target = _counter_model(post=post, comment=comment)
    if comment is not None and (comment.is_deleted or comment.is_hidden):
        raise ValidationError("That comment can’t be liked any more.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                Reaction.objects.create(user=user, post=post, comment=comment)
        except IntegrityError:
            return False
        model.objects.filter(pk=target.pk).update(reaction_count=F("reaction_count") + 1)
        owner_id = post.creator_id if post is not None else comment.creator_id
        event_record(
            kind=EventKind.REACTION,
            actor=user,
            creator=_profile_of(owner_id),
            target=target,
            payload={"post_id": post.pk} if post is not None else {"comment_id": comment.pk},
        )
    return True


def reaction_remove(
    *, user: User, post: Post | None = None, comment: Comment | None = None
) -> bool:
    """Take a like back; returns whether there was one."""
    model, target = _counter_model(post=post, comment=comment)
    with transaction.atomic():
        deleted, _ = Reaction.objects.filter(user=user, post=post, comment=comment).delete()
        if deleted:
            model.objects.filter(pk=target.pk, reaction_count__gt=0).update(
                reaction_count=F("reaction_count") - 1
            )
    return bool(deleted)
