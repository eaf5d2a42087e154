"""Thank-you notes: a creator thanks a fan who bought, reviewed or talked with them.

- Only fans who interacted with the creator (an engagement event of theirs towards the
  creator: comment, question, reply, like, review, order, or a purchase they brought
  through a share) can be thanked; anyone else is refused with a clear message. A follow
  alone is not an interaction (docs/metrics.md), so it is not enough.
- A note is plain text (at most THANK_YOU_MAX_LENGTH characters, control characters
  dropped), shown escaped wherever it appears.
- One note per fan per creator per UTC day (a unique constraint), and at most
  `THANK_YOU_DAILY_CAP` notes per creator per day (counted under a lock on the creator's
  profile row, so parallel sends cannot overshoot).
- The note reaches the fan through the engagement pipeline (a THANK_YOU event: the bell,
  and email per their "recognition" preference).
"""

import re
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from creators.events import event_record
from creators.models import (
    THANK_YOU_MAX_LENGTH,
    CreatorProfile,
    EngagementEvent,
    EventKind,
    FanRelationship,
    ThankYouNote,
    User,
)
from creators.rollup import INTERACTION_KINDS

# What counts as having interacted with a creator, as the metrics count it, plus credit
# for a purchase brought through a share.
THANKABLE_KINDS = [*INTERACTION_KINDS, EventKind.REFERRAL_PURCHASE]
NEVER_INTERACTED = (
    "You can thank fans who bought from you, reviewed your products or talked with you "
    "(a comment, a question, a like). This person hasn’t interacted with you yet, so no "
    "note was sent."
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def fan_display_name(fan: User) -> str:
    """Fans are shown by the name they chose, never by their email address."""
    return fan.name or "this fan"


def fan_has_interacted(*, creator: CreatorProfile, fan_id: int) -> bool:
    return EngagementEvent.objects.filter(
        creator=creator, actor_id=fan_id, kind__in=THANKABLE_KINDS
    ).exists()


@dataclass
class ThankTarget:
    fan: User
    allowed: bool
    reason: str = ""
    relationship: FanRelationship | None = None


def thank_target(*, creator: CreatorProfile, fan_id: int) -> ThankTarget:
    """Whom the creator wants to thank, and whether they may: 404 for no such account."""
    fan = User.objects.filter(pk=fan_id, is_active=True).first()
    if fan is None:
        raise Http404("No such fan.")
    if fan.pk == creator.user_id:
        return ThankTarget(fan, False, "Thank-you notes are for your fans, not yourself.")
    if not fan_has_interacted(creator=creator, fan_id=fan.pk):
        return ThankTarget(fan, False, NEVER_INTERACTED)
    relationship = FanRelationship.objects.filter(creator=creator, fan=fan).first()
    return ThankTarget(fan, True, relationship=relationship)


def note_clean(body: str) -> str:
    body = _CONTROL.sub("", (body or "").replace("\r\n", "\n")).strip()
    if not body:
        raise ValidationError({"body": ["Write a few words of thanks first."]})
    if len(body) > THANK_YOU_MAX_LENGTH:
        raise ValidationError(
            {
                "body": [
                    f"Keep the note to {THANK_YOU_MAX_LENGTH} characters; "
                    f"this one has {len(body):,}."
                ]
            }
        )
    return body


def _today():
    return timezone.now().astimezone(UTC).date()


def _already_today(fan: User) -> ValidationError:
    return ValidationError(
        f"You already thanked {fan_display_name(fan)} today. You can send another note tomorrow.",
        code="once_a_day",
    )


def thank_you_send(*, creator: CreatorProfile, fan: User, body: str) -> ThankYouNote:
    """Send `fan` a thank-you note from `creator`; refuses (changing nothing) a fan who
    never interacted, a second note the same day, or a note past the daily cap."""
    body = note_clean(body)
    if fan.pk == creator.user_id or not fan.is_active:
        raise ValidationError("Thank-you notes are for your fans.", code="not_a_fan")
    if not fan_has_interacted(creator=creator, fan_id=fan.pk):
        raise ValidationError(NEVER_INTERACTED, code="never_interacted")
    today = _today()
    with transaction.atomic():
        CreatorProfile.objects.select_for_update().filter(pk=creator.pk).first()
        sent_today = ThankYouNote.objects.filter(creator=creator, sent_on=today)
        if sent_today.filter(fan=fan).exists():
            raise _already_today(fan)
        cap = settings.THANK_YOU_DAILY_CAP
        if sent_today.count() >= cap:
            raise ValidationError(
                f"You have sent {cap} thank-you notes today, the daily limit. You can send "
                "more tomorrow.",
                code="daily_cap",
            )
        try:
            with transaction.atomic():
                note = ThankYouNote.objects.create(
                    creator=creator, fan=fan, body=body, sent_on=today
                )
        except IntegrityError:  # a double submit landed first
            raise _already_today(fan) from None
        event_record(
            kind=EventKind.THANK_YOU,
            actor=creator.user,
            creator=creator,
            target=note,
            payload={"fan_id": fan.pk},
        )
    return note


def thank_you_notes_for_fan(*, user: User) -> QuerySet[ThankYouNote]:
    """The notes a fan received, newest first, with who sent them."""
    return (
        ThankYouNote.objects.filter(fan=user)
        .select_related("creator")
        .order_by("-created_at", "-id")
    )
