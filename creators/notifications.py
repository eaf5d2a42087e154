"""Notifications: writing them for an event (direct or in follower chunks), reading and
marking them read, and email preferences.

Writes are idempotent: rows are unique per (event, recipient, channel) and inserted with
`ignore_conflicts`, so a dispatch or chunk task that runs twice adds nothing.
"""

from collections.abc import Iterable, Iterator
from functools import partial

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.http import Http404
from django.utils import timezone

from creators import notify
from creators.models import (
    EmailMode,
    EngagementEvent,
    Notification,
    NotificationChannel,
    NotificationPreference,
    User,
)

BELL_CAP = 99  # the bell shows "99+" beyond this, so counting stays bounded


# --- Writing --------------------------------------------------------------------------


def email_modes(*, user_ids: list[int], topic: notify.Topic) -> dict[int, EmailMode]:
    """Each user's email mode for `topic`; OFF for anyone without a verified address.

    Two queries whatever the number of users: their preference rows and their verified
    addresses (allauth's EmailAddress for the address they sign in with).
    """
    if not topic.emails or not user_ids:
        return {}
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, topic=topic.name).values_list(
            "user_id", "email_mode"
        )
    )
    verified = set(
        EmailAddress.objects.filter(
            user_id__in=user_ids, verified=True, email__iexact=F("user__email")
        ).values_list("user_id", flat=True)
    )
    return {
        user_id: EmailMode(chosen.get(user_id, topic.default)) if user_id in verified else EmailMode.OFF
        for user_id in user_ids
    }


def notifications_write(*, event: EngagementEvent, recipient_ids: Iterable[int]) -> int:
    """Tell `recipient_ids` about `event` in the bell and, per their preference, by email.

    Returns how many recipients were considered (the actor and repeats left out).
    """
    spec = notify.kind_spec(event.kind)
    topic = notify.topic_get(spec.topic) if spec else None
    ids = [uid for uid in dict.fromkeys(recipient_ids) if uid and uid != event.actor_id]
    if topic is None or not ids:
        return 0
    rows = [
        Notification(recipient_id=uid, event=event, kind=event.kind, created_at=event.created_at)
        for uid in ids
    ]
    modes = email_modes(user_ids=ids, topic=topic)
    rows += [
        Notification(
            recipient_id=uid,
            event=event,
            kind=event.kind,
            channel=NotificationChannel.EMAIL,
            digest=mode == EmailMode.DIGEST,
            created_at=event.created_at,
        )
        for uid, mode in modes.items()
        if mode != EmailMode.OFF
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        if any(mode == EmailMode.IMMEDIATE for mode in modes.values()):
            # Ids are not returned by an insert that ignores conflicts: read back the
            # immediate rows still unsent (a rerun re-enqueues them; sending is once-only).
            pending = list(
                Notification.objects.filter(
                    event=event,
                    recipient_id__in=ids,
                    channel=NotificationChannel.EMAIL,
                    digest=False,
                    sent_at__isnull=True,
                ).values_list("pk", flat=True)
            )
            transaction.on_commit(partial(_enqueue_emails, pending))
    return len(ids)


def _enqueue_emails(notification_ids: list[int]) -> None:
    from creators.tasks import notification_email_send_task

    for notification_id in notification_ids:
        notification_email_send_task.delay(notification_id)


def fanout_chunks(*, event: EngagementEvent, size: int | None = None) -> Iterator[tuple[int, int]]:
    """(after, upto] ranges of audience ids, `size` recipients each, found by keyset.

    Each step reads one id (the chunk's last) through the (followed, follower) index, so
    finding the chunks of 100,000 followers never holds more than one id in memory.
    """
    spec = notify.kind_spec(event.kind)
    if spec is None or spec.audience is None:
        return
    size = size or settings.NOTIFY_FANOUT_CHUNK
    field = spec.audience_field
    base = spec.audience(event)
    after = 0
    while True:
        rest = base.filter(**{f"{field}__gt": after})
        edge = list(rest.order_by(field).values_list(field, flat=True)[size - 1 : size])
        upto = edge[0] if edge else rest.aggregate(last=Max(field))["last"]
        if upto is None:
            return
        yield after, upto
        if not edge:
            return
        after = upto


def notifications_fanout_chunk(*, event_id: int, after: int, upto: int) -> int:
    """Tell the audience members with ids in (after, upto]: whoever follows *now*, so a
    fan who unfollowed (or was blocked) after the post is left out."""
    event = EngagementEvent.objects.select_related("creator").filter(pk=event_id).first()
    spec = notify.kind_spec(event.kind) if event else None
    if spec is None or spec.audience is None:
        return 0
    field = spec.audience_field
    ids = list(
        spec.audience(event)
        .filter(**{f"{field}__gt": after, f"{field}__lte": upto})
        .values_list(field, flat=True)
    )
    return notifications_write(event=event, recipient_ids=ids)


def notifications_withdraw(*, event_ids: Iterable[int]) -> int:
    """Take back what was not yet seen or sent about events whose target went away (a
    hidden comment): unread bell rows and unsent emails."""
    ids = list(event_ids)
    unread = Notification.objects.filter(
        event_id__in=ids, channel=NotificationChannel.IN_APP, read_at__isnull=True
    )
    unsent = Notification.objects.filter(
        event_id__in=ids, channel=NotificationChannel.EMAIL, sent_at__isnull=True
    )
    with transaction.atomic():
        return unread.delete()[0] + unsent.delete()[0]


# --- Reading and marking read ---------------------------------------------------------


def _bell(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP)


def notification_unread_count(*, user: User) -> int:
    """One bounded COUNT over the partial unread index."""
    if not user.is_authenticated:
        return 0
    return _bell(user).filter(read_at__isnull=True)[: BELL_CAP + 1].count()


def notification_list_for_user(*, user: User) -> QuerySet[Notification]:
    """Newest first, with what `describe` reads: the event, its actor, creator, target."""
    return _bell(user).select_related("event__actor", "event__creator").prefetch_related(
        "event__target"
    )


def notification_get_for_recipient(*, user: User, notification_id: int) -> Notification:
    notification = _bell(user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


def notification_mark_read(*, notification: Notification) -> Notification:
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    with transaction.atomic():
        return _bell(user).filter(read_at__isnull=True).update(read_at=timezone.now())


# --- Preferences ----------------------------------------------------------------------


def preferences_for_user(*, user: User) -> dict[str, EmailMode]:
    chosen = dict(
        NotificationPreference.objects.filter(user=user).values_list("topic", "email_mode")
    )
    return {
        topic.name: EmailMode(chosen.get(topic.name, topic.default))
        for topic in notify.topics_with_email()
    }


def preferences_set(*, user: User, modes: dict[str, str]) -> None:
    """Upsert one row per topic given; unknown topics and modes are refused."""
    for topic, mode in modes.items():
        if notify.topic_get(topic) is None or mode not in EmailMode.values:
            raise ValueError(f"unknown topic or mode: {topic}={mode}")
    with transaction.atomic():
        NotificationPreference.objects.bulk_create(
            [NotificationPreference(user=user, topic=t, email_mode=m) for t, m in modes.items()],
            update_conflicts=True,
            unique_fields=["user", "topic"],
            update_fields=["email_mode", "updated_at"],
        )
        # Email already waiting for a topic now turned off is not sent either.
        off = [topic for topic, mode in modes.items() if mode == EmailMode.OFF]
        if off:
            Notification.objects.filter(
                recipient=user,
                channel=NotificationChannel.EMAIL,
                sent_at__isnull=True,
                kind__in=notify.kinds_of_topics(off),
            ).delete()

