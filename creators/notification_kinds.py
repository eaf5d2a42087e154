"""The notification topics every app shares, and the kinds creators/ itself records."""

from django.urls import reverse

from creators import notify
from creators.models import Block, Comment, EmailMode, EngagementEvent, EventKind, Follow


def _fan_name(event: EngagementEvent) -> str:
    # Fans are shown by the name they chose, never by their email address.
    return (event.actor.name if event.actor else "") or "A new fan"


def _describe_follow(event: EngagementEvent, recipient_id: int) -> notify.Description:
    return notify.Description(
        f"{_fan_name(event)} started following you", reverse("creators:studio_followers")
    )


def _describe_post(event: EngagementEvent, recipient_id: int) -> notify.Description:
    creator = event.creator
    target = event.target
    title = event.payload.get("title") or _excerpt(getattr(target, "body", "")) or "a new post"
    url = target.get_absolute_url() if target is not None else creator.get_absolute_url()
    asks = "asks" if event.payload.get("is_question") else "posted"
    return notify.Description(f"{creator.display_name} {asks} “{title}”", url)


def _excerpt(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def _comment_url(event: EngagementEvent, fallback: str) -> str:
    target = event.target  # the comment, gone if it was removed since
    return target.get_absolute_url() if target is not None else fallback


def _describe_comment(event: EngagementEvent, recipient_id: int) -> notify.Description:
    verb = "asked a question" if event.kind == EventKind.QUESTION else "commented"
    text = f"{_fan_name(event)} {verb}: “{_excerpt(getattr(event.target, 'body', ''))}”"
    return notify.Description(text, _comment_url(event, reverse("creators:inbox")))


def _describe_reply(event: EngagementEvent, recipient_id: int) -> notify.Description:
    if event.kind == EventKind.CREATOR_REPLY and event.creator is not None:
        who = event.creator.display_name
    else:
        who = (event.actor.name if event.actor else "") or "A fan"
    text = f"{who} replied to you: “{_excerpt(getattr(event.target, 'body', ''))}”"
    return notify.Description(text, _comment_url(event, reverse("creators:feed")))


def _describe_fan_follow(event: EngagementEvent, recipient_id: int) -> notify.Description:
    return notify.Description(
        f"{_fan_name(event)} started following your profile", reverse("creators:account_profile")
    )


def _owner(event: EngagementEvent) -> list[int]:
    return [event.creator.user_id] if event.creator else []


def _parent_author(event: EngagementEvent) -> list[int]:
    """Whoever wrote the comment this reply answers (the actor is dropped by dispatch)."""
    parent_id = event.payload.get("parent_id")
    if not parent_id:
        return []
    return list(Comment.objects.filter(pk=parent_id).values_list("author_id", flat=True))


def _followers_not_blocked(event: EngagementEvent):
    creator_id = event.creator.user_id
    blocked = Block.objects.filter(creator_id=creator_id).values("blocked_id")
    return Follow.objects.filter(followed_id=creator_id).exclude(follower_id__in=blocked)


def register() -> None:
    notify.topic_register("follows", label="New followers", default=EmailMode.DIGEST)
    notify.topic_register(
        "comments", label="Comments and questions on your posts", default=EmailMode.IMMEDIATE
    )
    notify.topic_register("replies", label="Replies to you", default=EmailMode.IMMEDIATE)
    notify.topic_register(
        "posts", label="New posts from creators you follow", default=EmailMode.DIGEST
    )
    notify.kind_register(
        EventKind.FOLLOW,
        topic="follows",
        recipients=lambda event: [event.creator.user_id] if event.creator else [],
        describe=_describe_follow,
    )
    notify.kind_register(
        EventKind.POST_PUBLISHED,
        topic="posts",
        # Read when each chunk runs: whoever unfollowed (or was blocked) since is not told.
        audience=_followers_not_blocked,
        audience_field="follower_id",
        describe=_describe_post,
    )
    for kind in (EventKind.COMMENT, EventKind.QUESTION):
        notify.kind_register(kind, topic="comments", recipients=_owner, describe=_describe_comment)
    for kind in (EventKind.CREATOR_REPLY, EventKind.REPLY):
        notify.kind_register(
            kind, topic="replies", recipients=_parent_author, describe=_describe_reply
        )
    notify.kind_register(
        EventKind.FAN_FOLLOW,
        topic="follows",
        recipients=lambda event: [event.payload.get("followed_id")],
        describe=_describe_fan_follow,
    )
    # Likes and reports notify nobody: likes would flood, reports are for staff (admin).
