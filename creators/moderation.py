"""Moderation: a creator hides comments on their own content and blocks fans; anyone
signed in reports a comment or post once; staff resolve reports (hide, dismiss, suspend).

Hidden comments stay in the table (the creator and staff still see them, marked hidden)
and leave the Inbox; suspending deactivates the author's account, which signs them out
of everything and stops them from commenting.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core import pagecache
from creators.events import event_record
from creators.models import (
    Block,
    Comment,
    CreatorProfile,
    EngagementEvent,
    EventKind,
    Post,
    Report,
    ReportReason,
    ReportStatus,
    User,
)
from creators.notifications import notifications_withdraw
from creators.page_cache import touch_creators

REPORT_DETAILS_MAX_LENGTH = 1000


def comment_set_hidden(*, comment: Comment, hidden: bool) -> bool:
    """Hide or show a comment (and with a top-level one, its thread); returns whether
    anything changed."""
    with transaction.atomic():
        changed = Comment.objects.filter(pk=comment.pk, is_hidden=not hidden).update(
            is_hidden=hidden
        )
        touch_creators([comment.creator_id])
        if changed and hidden:
            _withdraw_notifications([comment.pk])
        return bool(changed)


def block_create(*, creator: User, blocked: User) -> bool:
    if creator.pk == blocked.pk:
        raise ValidationError("You can’t block yourself.", code="block_self")
    with transaction.atomic():
        _, created = Block.objects.get_or_create(creator=creator, blocked=blocked)
        if created:  # a blocked fan's featured words leave the creator's page
            touch_creators([creator.pk])
    return created


def block_delete(*, creator: User, blocked_id: int) -> bool:
    with transaction.atomic():
        deleted, _ = Block.objects.filter(creator=creator, blocked_id=blocked_id).delete()
        if deleted:
            touch_creators([creator.pk])
    return bool(deleted)


def report_create(
    *,
    reporter: User,
    reason: str,
    details: str = "",
    comment: Comment | None = None,
    post: Post | None = None,
) -> Report:
    """Flag a comment or a post for staff; a second report of the same thing is refused."""
    if (comment is None) == (post is None):
        raise ValueError("Report exactly one comment or post.")
    errors = {}
    if reason not in ReportReason.values:
        errors["reason"] = ["Choose why you are reporting this."]
    details = (details or "").strip()
    if len(details) > REPORT_DETAILS_MAX_LENGTH:
        errors["details"] = [
            f"Keep the details under {REPORT_DETAILS_MAX_LENGTH:,} characters "
            f"(this has {len(details):,})."
        ]
    if errors:
        raise ValidationError(errors)
    owner_id = comment.creator_id if comment is not None else post.creator_id
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter, reason=reason, details=details, comment=comment, post=post
            )
            target = comment if comment is not None else post
            event_record(
                kind=EventKind.REPORT,
                actor=reporter,
                creator=CreatorProfile.objects.filter(user_id=owner_id).first(),
                target=target,
                payload={"report_id": report.pk, "reason": reason},
            )
    except IntegrityError:
        raise ValidationError(
            "You have already reported this; our team will look at it.", code="duplicate"
        ) from None
    return report


# Staff -------------------------------------------------------------------------------------


def _resolve(reports: QuerySet[Report], *, status: str, staff: User) -> int:
    return reports.filter(status=ReportStatus.OPEN).update(
        status=status, resolved_at=timezone.now(), resolved_by=staff
    )


def reports_hide(*, reports: QuerySet[Report], staff: User) -> tuple[int, int]:
    """Hide the reported comments (every open report of them is resolved); post reports
    are left open (staff delete a post from its admin page). Returns (hidden, skipped)."""
    with transaction.atomic():
        comment_ids = set(
            reports.filter(comment__isnull=False).values_list("comment_id", flat=True)
        )
        Comment.objects.filter(pk__in=comment_ids).update(is_hidden=True)
        _withdraw_notifications(comment_ids)
        touch_creators(Comment.objects.filter(pk__in=comment_ids).values("creator_id"))
        _resolve(
            Report.objects.filter(comment_id__in=comment_ids),
            status=ReportStatus.HIDDEN,
            staff=staff,
        )
        skipped = reports.filter(post__isnull=False, status=ReportStatus.OPEN).count()
    return len(comment_ids), skipped


def reports_dismiss(*, reports: QuerySet[Report], staff: User) -> int:
    with transaction.atomic():
        return _resolve(reports, status=ReportStatus.DISMISSED, staff=staff)


def reports_suspend_authors(*, reports: QuerySet[Report], staff: User) -> int:
    """Deactivate the authors of the reported comments and posts (never staff accounts)
    and resolve every open report of their content. Returns how many accounts."""
    with transaction.atomic():
        author_ids = set(
            reports.filter(comment__isnull=False).values_list("comment__author_id", flat=True)
        ) | set(reports.filter(post__isnull=False).values_list("post__creator_id", flat=True))
        suspended = User.objects.filter(pk__in=author_ids, is_staff=False, is_active=True)
        suspended_ids = list(suspended.values_list("pk", flat=True))
        suspended.update(is_active=False)
        pagecache.touch(pagecache.CATALOG)  # a suspended creator leaves every list
        touch_creators(suspended_ids)
        touch_creators(Comment.objects.filter(author_id__in=suspended_ids).values("creator_id"))
        _resolve(
            Report.objects.filter(comment__author_id__in=suspended_ids)
            | Report.objects.filter(post__creator_id__in=suspended_ids),
            status=ReportStatus.SUSPENDED,
            staff=staff,
        )
    return len(suspended_ids)


def _withdraw_notifications(comment_ids) -> None:
    """Nobody is told about a hidden comment: unread and unsent notifications go."""

    events = EngagementEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Comment), target_id__in=list(comment_ids)
    )
    notifications_withdraw(event_ids=events.values_list("pk", flat=True))
