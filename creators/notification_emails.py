"""Notification emails: one at a time (immediate) or one daily digest per person.

An immediate email is sent under a claim (no transaction or lock is held while SMTP
talks):

1. claim — one conditional UPDATE, committed: `claimed_at = now, attempts + 1` where the
   row is unsent, has attempts left (`NOTIFY_EMAIL_MAX_ATTEMPTS`) and is unclaimed or its
   claim is older than `EVENT_SWEEP_AFTER`. Whoever does not get the row sends nothing: a
   copy of the task that runs at the same time, late, or after it was sent;
2. send — render, check the address is verified, hand the message to SMTP
   (`EMAIL_TIMEOUT` bounds each socket operation);
3. stamp — `sent_at = now` where `claimed_at` is still ours.

A failed send (SMTP error, server unreachable) keeps its claim: the sweeper re-enqueues
the row once the claim is older than `EVENT_SWEEP_AFTER`, until the attempts run out (the
email is then "failed": `manage.py outbox_status` shows it, `--retry-failed` tries again).
A worker killed between claim and send delays the email by the same; one killed (or a
database lost) after the SMTP server accepted the message and before the stamp commits
gets it sent twice — the one window left, a few milliseconds wide (SMTP has no
exactly-once; we choose to send twice rather than never). A send would also be doubled
if it outlived its claim, which the task time limit (300 s, prefork pool) and
`EMAIL_TIMEOUT` prevent at the default `EVENT_SWEEP_AFTER` of 5 minutes.

Digest rows are locked (skip locked) while their digest goes out and stamped in the same
transaction. Every email carries a one-click unsubscribe link (a signed token that works
signed out) and the List-Unsubscribe / List-Unsubscribe-Post headers (RFC 8058).
Addresses that are not verified get nothing: rows for them are dropped at send time.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from smtplib import SMTPException

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from creators import notify, outbox
from creators.models import EmailMode, Notification, NotificationChannel, User
from creators.notifications import preferences_set

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "creators.notifications.unsubscribe"
ALL_TOPICS = "all"


# --- Unsubscribe tokens ---------------------------------------------------------------


def unsubscribe_token(*, user_id: int, topic: str) -> str:
    return signing.dumps({"u": user_id, "t": topic}, salt=UNSUBSCRIBE_SALT, compress=True)


class BadToken(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Unsubscribe:
    user: User
    topic: str  # a topic name, or ALL_TOPICS

    @property
    def label(self) -> str:
        if self.topic == ALL_TOPICS:
            return "all email notifications"
        topic = notify.topic_get(self.topic)
        return topic.label.lower() if topic else self.topic


def unsubscribe_read(token: str) -> Unsubscribe:
    """The request a token stands for; BadToken with a message a person can act on."""
    try:
        data = signing.loads(
            token,
            salt=UNSUBSCRIBE_SALT,
            max_age=settings.NOTIFY_UNSUBSCRIBE_MAX_AGE,
        )
    except signing.SignatureExpired:
        raise BadToken(
            "This unsubscribe link has expired. Sign in and choose which emails you get "
            "on your notification settings page."
        ) from None
    except signing.BadSignature:
        raise BadToken(
            "This unsubscribe link is not valid (it may have been cut short). Use the link "
            "in the email exactly as it is, or sign in and change your notification settings."
        ) from None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    topic = data.get("t")
    if user is None or not (topic == ALL_TOPICS or notify.topic_get(topic)):
        raise BadToken("This unsubscribe link no longer applies to any account.")
    return Unsubscribe(user=user, topic=topic)


def unsubscribe_apply(request: Unsubscribe) -> None:
    names = (
        [t.name for t in notify.topics_with_email()]
        if request.topic == ALL_TOPICS
        else [request.topic]
    )
    preferences_set(user=request.user, modes=dict.fromkeys(names, EmailMode.OFF))


# --- Sending --------------------------------------------------------------------------


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url


def _can_email(user: User, address: str) -> bool:
    """Only to an address the person has verified (allauth), and only while active."""
    return (
        user.is_active
        and EmailAddress.objects.filter(user=user, email__iexact=address, verified=True).exists()
    )


def _footer_context(user: User, topic: str) -> dict:
    unsubscribe_url = _absolute(
        reverse("creators:unsubscribe", args=[unsubscribe_token(user_id=user.pk, topic=topic)])
    )
    return {
        "user": user,
        "site_url": settings.SITE_URL.rstrip("/"),
        "unsubscribe_url": unsubscribe_url,
        "unsubscribe_all_url": _absolute(
            reverse(
                "creators:unsubscribe",
                args=[unsubscribe_token(user_id=user.pk, topic=ALL_TOPICS)],
            )
        ),
        "settings_url": _absolute(reverse("creators:notification_settings")),
        "topic": notify.topic_get(topic),
    }


def _message(*, to: str, subject: str, text: str, html: str, context: dict):
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _item(notification: Notification) -> dict:
    description = notify.describe(notification.event, notification.recipient_id)
    return {
        "text": description.text,
        "url": _absolute(description.url) if description.url else "",
        "when": notification.event.created_at,
    }


def _render(notification: Notification, topic: notify.Topic):
    """The message for one notification: the kind's own email, or the generic one."""
    user = notification.recipient
    context = _footer_context(user, topic.name)
    spec = notify.kind_spec(notification.kind)
    if spec is not None and spec.render_email is not None:
        email = spec.render_email(notification)
        if email is None:
            return None
        context["body"] = email.text
        text = email.text + render_to_string("creators/email/footer.txt", context)
        html = render_to_string("creators/email/text_body.html", context)
        return _message(
            to=email.to or user.email, subject=email.subject, text=text, html=html, context=context
        )
    context["item"] = item = _item(notification)
    return _message(
        to=user.email,
        subject=item["text"],
        text=render_to_string("creators/email/notification.txt", context),
        html=render_to_string("creators/email/notification.html", context),
        context=context,
    )


def _email_rows():
    return Notification.objects.filter(
        channel=NotificationChannel.EMAIL, sent_at__isnull=True
    ).select_related("recipient", "event__actor", "event__creator")


def email_claim(*, notification_id: int) -> datetime | None:
    """Take the immediate email row for one attempt (see the module's docstring); the
    claim's timestamp, or None when it is not ours to send."""
    now = timezone.now()
    claimed = (
        outbox.pending_emails()
        .filter(pk=notification_id)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - settings.EVENT_SWEEP_AFTER))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    return now if claimed else None


def notification_email_send(*, notification_id: int) -> bool:
    """Send one immediate notification email, at most once (barring the crash window the
    module's docstring names). Returns whether it went out."""
    claim = email_claim(notification_id=notification_id)
    if claim is None:
        return False  # sent, withdrawn, given up on, or another worker's right now
    ours = Notification.objects.filter(pk=notification_id, claimed_at=claim, sent_at__isnull=True)
    notification = _email_rows().filter(pk=notification_id).first()
    if notification is None:  # withdrawn in between
        return False
    topic = notify.topic_of(notification.kind)
    message = _render(notification, topic) if topic is not None else None
    if message is None or not _can_email(notification.recipient, message.to[0]):
        ours.delete()  # nothing to send, or nowhere we may send it
        outbox.event_finish_if_done(event_id=notification.event_id)
        return False
    try:
        message.send()
    except (SMTPException, OSError):
        # The claim stays: the sweeper retries once it is older than EVENT_SWEEP_AFTER.
        logger.warning(
            "email %s not sent (attempt %s); the sweeper retries it",
            notification_id,
            notification.attempts,
            exc_info=True,
        )
        return False
    if not _stamp_sent(ours) and Notification.objects.filter(pk=notification_id).exists():
        # Our claim expired and another attempt took the row: it may have gone out twice.
        # (A row gone instead was withdrawn while this one went out: nothing more to do.)
        logger.error("email %s: claim lost while sending; it may have gone twice", notification_id)
    outbox.event_finish_if_done(event_id=notification.event_id)
    return True


def _stamp_sent(ours, tries: int = 3) -> int:
    """The email went out: record it, trying a lost database connection again for a
    couple of seconds (unstamped, the email would be sent again once its claim expires)."""
    for attempt in range(1, tries + 1):
        try:
            return ours.update(sent_at=timezone.now())
        except DatabaseError:
            if attempt == tries:
                logger.exception("email sent but not recorded: it will be sent again")
                raise
            connection.close_if_unusable_or_obsolete()  # reconnect on the next query
            time.sleep(attempt)
    return 0


def digest_recipient_ids(*, after: int = 0, limit: int = 1000) -> list[int]:
    """People with digest email waiting, in id order (keyset pages for the beat task)."""
    return list(
        Notification.objects.filter(
            channel=NotificationChannel.EMAIL,
            digest=True,
            sent_at__isnull=True,
            recipient_id__gt=after,
        )
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()[:limit]
    )


DIGEST_MAX_ITEMS = 50


def notification_digest_send(*, user_id: int) -> int:
    """Send one person everything waiting for their digest in one email; 0 if nothing."""
    with transaction.atomic():
        rows = list(
            _email_rows()
            .select_for_update(of=("self",), skip_locked=True)
            .filter(recipient_id=user_id, digest=True)
            .order_by("created_at", "id")
        )
        if not rows:
            return 0
        user = rows[0].recipient
        if not _can_email(user, user.email):
            Notification.objects.filter(pk__in=[row.pk for row in rows]).delete()
            return 0
        groups: dict[str, list[dict]] = {}
        for row in rows:
            topic = notify.topic_of(row.kind)
            groups.setdefault(topic.label if topic else "Other", []).append(_item(row))
        total = len(rows)
        context = {
            **_footer_context(user, ALL_TOPICS),
            "total": total,
            "groups": [
                {
                    "label": label,
                    "items": items[:DIGEST_MAX_ITEMS],
                    "more": len(items) - DIGEST_MAX_ITEMS,
                }
                for label, items in groups.items()
            ],
        }
        _message(
            to=user.email,
            subject=f"Your daily relcommerce digest: {total} update{'s' if total != 1 else ''}",
            text=render_to_string("creators/email/digest.txt", context),
            html=render_to_string("creators/email/digest.html", context),
            context=context,
        ).send()
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(sent_at=timezone.now())
    return total
