"""Notification emails: one at a time (immediate) or one daily digest per person.

Each email notification row is locked while its email goes out and stamped `sent_at` in
the same transaction, so a retried or redelivered task never sends it twice. Every email
carries a one-click unsubscribe link (a signed token that works signed out) and the
List-Unsubscribe / List-Unsubscribe-Post headers (RFC 8058). Addresses that are not
verified get nothing: rows for them are dropped at send time.
"""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from creators import notify
from creators.models import EmailMode, Notification, NotificationChannel, User
from creators.notifications import preferences_set

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


def notification_email_send(*, notification_id: int) -> bool:
    """Send one immediate notification email, at most once. Returns whether it went out."""
    with transaction.atomic():
        notification = (
            _email_rows().select_for_update(of=("self",)).filter(pk=notification_id).first()
        )
        if notification is None:
            return False  # already sent, or withdrawn
        topic = notify.topic_of(notification.kind)
        message = _render(notification, topic) if topic is not None else None
        if message is None or not _can_email(notification.recipient, message.to[0]):
            notification.delete()  # nothing to send, or nowhere we may send it
            return False
        message.send()
        notification.sent_at = timezone.now()
        notification.save(update_fields=["sent_at"])
    return True


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
