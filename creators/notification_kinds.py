"""The notification topics every app shares, and the kinds creators/ itself records."""

from django.conf import settings
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
        who = event.actor.public_name if event.actor else "A fan"
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
    _register_recognition()


# Recognition: featured fan content, thank-you notes, milestones ----------------------------


def _fan(event: EngagementEvent) -> list[int]:
    return [event.payload["fan_id"]] if event.payload.get("fan_id") else []


def _describe_featured(event: EngagementEvent, recipient_id: int) -> notify.Description:
    what = event.payload.get("what") or "words"
    name = event.creator.display_name
    return notify.Description(
        f"You were featured: {name} put your {what} on their page",
        event.creator.get_absolute_url() + "#from-our-fans",
    )


def _thanks_url(event: EngagementEvent) -> str:
    return reverse("creators:thank_you_notes") + (
        f"#note-{event.target_id}" if event.target_id else ""
    )


def _describe_thank_you(event: EngagementEvent, recipient_id: int) -> notify.Description:
    note = getattr(event.target, "body", "")
    text = f"{event.creator.display_name} sent you a thank-you note"
    return notify.Description(
        text + (f": “{_excerpt(note, 12)}”" if note else ""), _thanks_url(event)
    )


def _email_thank_you(notification) -> notify.Email | None:
    event = notification.event
    note = event.target
    if note is None:
        return None  # the note is gone (the account behind it was deleted)
    name = event.creator.display_name
    url = settings.SITE_URL.rstrip("/") + _thanks_url(event)
    return notify.Email(
        subject=f"A thank-you note from {name}",
        text=f"{name} wrote to you:\n\n{note.body}\n\nYour notes from creators: {url}\n",
    )


def _describe_milestone(event: EngagementEvent, recipient_id: int) -> notify.Description:
    followers = event.payload.get("followers", 0)
    return notify.Description(
        f"You passed {followers:,} followers. Congratulations, and thank your fans!",
        reverse("creators:studio_followers"),
    )


def _fan_and_creator(event: EngagementEvent) -> list[int]:
    return [*_fan(event), *_owner(event)]


def _describe_anniversary(event: EngagementEvent, recipient_id: int) -> notify.Description:
    years = event.payload.get("years", 1)
    span = "a year" if years == 1 else f"{years} years"
    if recipient_id == event.payload.get("fan_id"):
        creator = event.creator
        return notify.Description(
            f"You have followed {creator.display_name} for {span}. Thank you for being there!",
            creator.get_absolute_url(),
        )
    fan = event.payload.get("fan_name") or "A fan"
    return notify.Description(
        f"{fan} has followed you for {span}",
        reverse("creators:studio_followers"),
    )


def _register_recognition() -> None:
    notify.topic_register(
        "recognition",
        label="When a creator features you or thanks you",
        default=EmailMode.IMMEDIATE,
    )
    notify.topic_register(
        "milestones",
        label="Milestones: follower counts and follow anniversaries",
        default=EmailMode.DIGEST,
    )
    notify.kind_register(
        EventKind.FEATURED, topic="recognition", recipients=_fan, describe=_describe_featured
    )
    notify.kind_register(
        EventKind.THANK_YOU,
        topic="recognition",
        recipients=_fan,
        describe=_describe_thank_you,
        render_email=_email_thank_you,
    )
    notify.kind_register(
        EventKind.FOLLOWER_MILESTONE,
        topic="milestones",
        recipients=_owner,
        describe=_describe_milestone,
    )
    notify.kind_register(
        EventKind.FOLLOW_ANNIVERSARY,
        topic="milestones",
        recipients=_fan_and_creator,
        describe=_describe_anniversary,
    )
