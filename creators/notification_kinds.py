"""The notification topics every app shares, and the kinds creators/ itself records."""

from django.urls import reverse

from creators import notify
from creators.models import EmailMode, EngagementEvent, EventKind, Follow


def _fan_name(event: EngagementEvent) -> str:
    # Fans are shown by the name they chose, never by their email address.
    return (event.actor.name if event.actor else "") or "A new fan"


def _describe_follow(event: EngagementEvent, recipient_id: int) -> notify.Description:
    return notify.Description(
        f"{_fan_name(event)} started following you", reverse("creators:studio")
    )


def _describe_post(event: EngagementEvent, recipient_id: int) -> notify.Description:
    creator = event.creator
    title = event.payload.get("title") or "a new post"
    target = event.target
    url = target.get_absolute_url() if target is not None else creator.get_absolute_url()
    return notify.Description(f"{creator.display_name} posted “{title}”", url)


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
        # Read when each chunk runs: whoever unfollowed since is no longer told.
        audience=lambda event: Follow.objects.filter(followed_id=event.creator.user_id),
        audience_field="follower_id",
        describe=_describe_post,
    )
