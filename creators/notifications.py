"""Notifications: writing them for an event (direct or in follower chunks), reading and
marking them read, and email preferences.

Writes are idempotent: rows are unique per (event, recipient, channel) and inserted with
ON CONFLICT DO NOTHING, so a dispatch or chunk task that runs twice adds nothing.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from core.tasks import enqueue_on_commit
from creators import notify, outbox
from creators.models import (
    EmailMode,
    EngagementEvent,
    FanoutChunk,
    Notification,
    NotificationChannel,
    NotificationPreference,
    User,
)

BELL_CAP = 99  # the bell shows "99+" beyond this, so counting stays bounded


# --- Writing --------------------------------------------------------------------------


def _email_audience(
    audience: QuerySet, *, field: str, topic: notify.Topic, verified_only: bool
) -> QuerySet:
    """(recipient id, is digest) for whoever in `audience` gets email about `topic`: their
    preference row, else the topic's default; never OFF, and only verified addresses
    (allauth's primary EmailAddress) unless the kind emails an address of its own."""
    chosen = NotificationPreference.objects.filter(
        user_id=OuterRef(field), topic=topic.name
    ).values("email_mode")[:1]
    audience = audience.annotate(mode=Coalesce(Subquery(chosen), Value(topic.default.value)))
    if verified_only:
        audience = audience.filter(
            Exists(
                EmailAddress.objects.filter(user_id=OuterRef(field), verified=True, primary=True)
            )
        )
    return (
        audience.exclude(mode=EmailMode.OFF)
        .annotate(is_digest=Case(When(mode=EmailMode.DIGEST, then=True), default=False))
        .values_list(field, "is_digest")
    )


def _insert(rows: QuerySet, *, event: EngagementEvent, channel: str) -> int:
    """INSERT … SELECT: the rows never pass through Python, so a 1,000-follower chunk is
    one statement; ON CONFLICT DO NOTHING makes a rerun write nothing."""
    sql, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(Notification._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (recipient_id, digest, event_id, kind, channel, created_at) "  # noqa: S608
            f"SELECT sub.*, %s, %s, %s, %s FROM ({sql}) sub WHERE true ON CONFLICT DO NOTHING",
            (event.pk, event.kind, channel, event.created_at, *params),
        )
        return cursor.rowcount


def notifications_write(
    *,
    event: EngagementEvent,
    audience: QuerySet,
    field: str,
    email_audience: QuerySet | None = None,
    email_field: str | None = None,
) -> int:
    """Tell everyone in `audience` (rows whose `field` is a user id) about `event` in the
    bell and, per their preference, by email — or tell `email_audience` by email when the
    kind names those apart. The actor is left out of the bell. Returns bell rows added.
    """
    spec = notify.kind_spec(event.kind)
    topic = notify.topic_get(spec.topic) if spec else None
    if topic is None:
        return 0
    audience = audience.order_by()
    if event.actor_id:
        audience = audience.exclude(**{field: event.actor_id})
    if email_audience is None:
        email_audience, email_field = audience, field
    with transaction.atomic():
        added = _insert(
            audience.annotate(is_digest=Value(False)).values_list(field, "is_digest"),
            event=event,
            channel=NotificationChannel.IN_APP,
        )
        if topic.emails:
            emailed = _email_audience(
                email_audience.order_by(),
                field=email_field,
                topic=topic,
                verified_only=spec.render_email is None,
            )
            _insert(emailed, event=event, channel=NotificationChannel.EMAIL)
            # Immediate ones get a send task each once this commits (sending is once-only;
            # the sweeper re-enqueues any the broker loses); digest ones wait for the digest.
            pending = list(
                Notification.objects.filter(
                    event=event,
                    channel=NotificationChannel.EMAIL,
                    digest=False,
                    sent_at__isnull=True,
                    recipient_id__in=email_audience.order_by().values(email_field),
                ).values_list("pk", flat=True)
            )
            for notification_id in pending:
                enqueue_on_commit("creators.tasks.notification_email_send_task", notification_id)
    return added


def notifications_write_to(
    *,
    event: EngagementEvent,
    recipient_ids: Iterable[int],
    email_recipient_ids: Iterable[int] | None = None,
) -> int:
    """`notifications_write` for a handful of user ids (a kind's `recipients`)."""

    def users(ids):
        return User.objects.filter(pk__in=[uid for uid in ids if uid])

    return notifications_write(
        event=event,
        audience=users(recipient_ids),
        field="id",
        email_audience=users(email_recipient_ids) if email_recipient_ids is not None else None,
        email_field="id",
    )


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
    """Tell the audience members with ids in the chunk (after, upto]: whoever follows
    *now*, so a fan who unfollowed (or was blocked) after the post is left out.

    Exactly once: the chunk's row is locked (a copy running at the same moment skips it)
    and marked done in the transaction that writes its notifications, so a copy that runs
    later — re-enqueued by the sweeper, or redelivered by Redis an hour on — finds it done
    and writes nothing. Returns bell rows added.
    """
    with transaction.atomic():
        # The chunk's row only (not the event's, which its neighbours' inserts hold).
        chunk = next(
            iter(
                FanoutChunk.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                    event_id=event_id, after=after, done_at__isnull=True
                )
            ),
            None,
        )
        if chunk is None:
            if FanoutChunk.objects.filter(event_id=event_id, after=after).exists():
                return 0  # done already, or being done by another worker right now
            return _fanout_chunk_untracked(event_id=event_id, after=after, upto=upto)
        event = EngagementEvent.objects.select_related("creator").get(pk=event_id)
        added = 0
        spec = notify.kind_spec(event.kind)
        if spec is not None and spec.audience is not None:
            field = spec.audience_field
            rows = spec.audience(event).filter(
                **{f"{field}__gt": chunk.after, f"{field}__lte": chunk.upto}
            )
            if spec.claim is not None:
                rows = spec.claim(event, rows)  # e.g. at most one alert per fan and day
            added = notifications_write(event=event, audience=rows, field=field)
        chunk.done_at = timezone.now()
        chunk.save(update_fields=["done_at"])
    outbox.event_finish_if_done(event_id=event_id)
    return added


def _fanout_chunk_untracked(*, event_id: int, after: int, upto: int) -> int:
    """A chunk message without a chunk row: one enqueued by the version before chunks
    were tracked, for an event it marked dispatched when it enqueued the chunks (so
    `planned_at` is empty) — written as it was then, idempotently. Any other (an event
    this version planned) is a stray copy and changes nothing."""
    event = (
        EngagementEvent.objects.select_related("creator")
        .filter(pk=event_id, planned_at__isnull=True, dispatched_at__isnull=False)
        .first()
    )
    spec = notify.kind_spec(event.kind) if event else None
    if spec is None or spec.audience is None:
        return 0
    field = spec.audience_field
    rows = spec.audience(event).filter(**{f"{field}__gt": after, f"{field}__lte": upto})
    if spec.claim is not None:
        rows = spec.claim(event, rows)
    return notifications_write(event=event, audience=rows, field=field)


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


@dataclass
class Day:
    day: date
    items: list[tuple[Notification, notify.Description]] = field(default_factory=list)


def notifications_by_day(page: Iterable[Notification]) -> list[Day]:
    """One page of the bell grouped by local day, each with how it reads now."""
    days: list[Day] = []
    for notification in page:
        day = timezone.localdate(notification.created_at)
        if not days or days[-1].day != day:
            days.append(Day(day))
        days[-1].items.append(
            (notification, notify.describe(notification.event, notification.recipient_id))
        )
    return days


def _bell(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP)


def notification_unread_count(*, user: User) -> int:
    """One bounded COUNT over the partial unread index; none when the query that loaded
    `request.user` brought it along (`unread_count_subquery`)."""
    if not user.is_authenticated:
        return 0
    if hasattr(user, "bell_unread"):
        return user.bell_unread
    return _bell(user).filter(read_at__isnull=True)[: BELL_CAP + 1].count()


class _BoundedCount(Subquery):
    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS bounded)"
    output_field = IntegerField()


def unread_count_subquery(user_ref: str = "pk") -> Subquery:
    """The bell's count as an annotation on User rows: the header asks for it on every
    page, so it comes with the user's own query rather than a second one."""
    unread = Notification.objects.filter(
        recipient=OuterRef(user_ref), channel=NotificationChannel.IN_APP, read_at__isnull=True
    ).order_by()
    return _BoundedCount(unread.values("pk")[: BELL_CAP + 1])


def notification_list_for_user(*, user: User) -> QuerySet[Notification]:
    """Newest first, with what `describe` reads: the event, its actor, creator, target."""
    return (
        _bell(user)
        .select_related("event__actor", "event__creator")
        .prefetch_related("event__target")
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
