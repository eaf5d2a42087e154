"""The notification registry: who hears about each kind of engagement event, and how it reads.

The dispatcher in creators/ knows no app's models. Each app registers, from its
AppConfig.ready(), the kinds of event it records:

    notify.kind_register(
        EventKind.REVIEW,
        topic="reviews",
        recipients=lambda event: [event.creator.user_id],
        describe=lambda event, recipient_id: notify.Description(
            f"New review of {event.payload['product']}", event.target.get_absolute_url()
        ),
    )

- `recipients(event)` returns user ids (a handful); `audience(event)` instead returns a
  queryset with one row per recipient (e.g. Follow rows), walked in keyset chunks of
  `audience_field` so a creator with 100,000 followers is told in bounded batches.
- `describe(event, recipient_id)` is called when a notification is shown or emailed
  (not when it is written), so it reflects the target as it is now; it must not query
  per row beyond `event.target`, `event.actor` and `event.creator`, which are loaded.
- The actor is never told about their own action in the bell.
- Email goes to the same people unless `email_recipients(event)` names others (order
  receipts: the buyer is the actor and still gets one), and reads as the generic
  notification email unless `render_email(notification)` returns a `notify.Email`
  (subject, text, optional address; None: nothing to send). Preferences per topic and
  the verified-address rule apply to every email either way; the unsubscribe footer and
  headers are added around it.
- `claim(event, chunk)` (audience kinds only) runs on each fan-out chunk before anything
  is written: it may record what it hands out — shops' saved-item alerts insert one
  dated row per fan and product, unique per day — and returns the part of the chunk to
  tell (a queryset with the same `audience_field`). It must be idempotent: a rerun of
  the chunk gets the same answer.
- A topic groups kinds for email preferences (one choice per topic); `emails=False`
  keeps a topic to the bell (its email goes out another way).
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from creators.models import EmailMode, EngagementEvent, Notification


@dataclass(frozen=True)
class Description:
    text: str
    url: str = ""


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    to: str = ""  # empty: the recipient's account address


@dataclass(frozen=True)
class Topic:
    name: str
    label: str
    default: EmailMode
    emails: bool = True


@dataclass(frozen=True)
class KindSpec:
    kind: str
    topic: str
    describe: Callable[[EngagementEvent, int], Description]
    recipients: Callable[[EngagementEvent], Iterable[int]] | None = None
    audience: Callable[[EngagementEvent], QuerySet] | None = None
    audience_field: str = "follower_id"
    email_recipients: Callable[[EngagementEvent], Iterable[int]] | None = None
    render_email: Callable[[Notification], Email | None] | None = None
    claim: Callable[[EngagementEvent, QuerySet], QuerySet] | None = None


logger = logging.getLogger(__name__)

_TOPICS: dict[str, Topic] = {}
_KINDS: dict[str, KindSpec] = {}


def topic_register(name: str, *, label: str, default: EmailMode, emails: bool = True) -> Topic:
    topic = Topic(name=name, label=label, default=EmailMode(default), emails=emails)
    _TOPICS[name] = topic
    return topic


def kind_register(
    kind: str,
    *,
    topic: str,
    describe: Callable[[EngagementEvent, int], Description],
    recipients: Callable[[EngagementEvent], Iterable[int]] | None = None,
    audience: Callable[[EngagementEvent], QuerySet] | None = None,
    audience_field: str = "follower_id",
    email_recipients: Callable[[EngagementEvent], Iterable[int]] | None = None,
    render_email: Callable[[Notification], Email | None] | None = None,
    claim: Callable[[EngagementEvent, QuerySet], QuerySet] | None = None,
) -> KindSpec:
    if topic not in _TOPICS:
        raise LookupError(f"register topic {topic!r} before kind {kind!r}")
    if (recipients is None) == (audience is None):
        raise ValueError(f"kind {kind!r} needs exactly one of recipients= or audience=")
    if claim is not None and audience is None:
        raise ValueError(f"kind {kind!r}: claim= works on an audience's chunks")
    spec = KindSpec(
        kind=str(kind),
        topic=topic,
        describe=describe,
        recipients=recipients,
        audience=audience,
        audience_field=audience_field,
        email_recipients=email_recipients,
        render_email=render_email,
        claim=claim,
    )
    _KINDS[str(kind)] = spec
    return spec


def kind_spec(kind: str) -> KindSpec | None:
    return _KINDS.get(kind)


def topic_get(name: str) -> Topic | None:
    return _TOPICS.get(name)


def topics_with_email() -> list[Topic]:
    return [topic for topic in _TOPICS.values() if topic.emails]


def topic_of(kind: str) -> Topic | None:
    spec = _KINDS.get(kind)
    return _TOPICS.get(spec.topic) if spec else None


def kinds_of_topics(names: Iterable[str]) -> list[str]:
    names = set(names)
    return [spec.kind for spec in _KINDS.values() if spec.topic in names]


def describe(event: EngagementEvent, recipient_id: int) -> Description:
    """How a notification reads now. A kind nobody registers, or one whose target or
    payload no longer fits its `describe` (a deleted post), still reads as something
    instead of breaking the page; the latter is logged so a real bug is seen."""
    spec = _KINDS.get(event.kind)
    if spec is not None:
        try:
            return spec.describe(event, recipient_id)
        except (AttributeError, KeyError, TypeError):
            logger.warning("cannot describe event %s (%s)", event.pk, event.kind, exc_info=True)
    return Description(event.get_kind_display())
