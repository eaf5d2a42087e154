"""Follow and unfollow: user → user, idempotent, each with its event in one transaction.

Following twice is one follow (the unique constraint plus get_or_create, which re-reads
after losing a race), and only a change records an event: a repeated follow or an
unfollow of someone not followed records nothing.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from core.tasks import enqueue_on_commit
from creators.events import event_record
from creators.models import CreatorProfile, EventKind, Follow, User

logger = logging.getLogger(__name__)


def _check_target(*, follower: User, followed: User) -> None:
    if follower.pk == followed.pk:
        raise ValidationError("You can’t follow yourself.", code="follow_self")
    if not followed.is_active:
        raise ValidationError("This account is no longer active.", code="follow_inactive")


def follow_create(*, follower: User, followed: User) -> bool:
    """Make `follower` follow `followed`; returns whether a new follow was made."""
    _check_target(follower=follower, followed=followed)
    with transaction.atomic():
        follow, created = Follow.objects.get_or_create(follower=follower, followed=followed)
        if created:
            # Targets the follow row, like the seeded history; the unfollow below can
            # only name the user (its row is gone), so both carry `followed_id`.
            profile = CreatorProfile.objects.filter(user=followed).first()
            event_record(
                kind=EventKind.FOLLOW,
                actor=follower,
                creator=profile,
                target=follow,
                payload={"followed_id": followed.pk},
            )
            if profile is not None:  # follower milestones (creators/milestones.py)
                # The backstop: the next follow's check catches the milestone up.
                enqueue_on_commit("creators.tasks.follower_milestones_check_task", followed.pk)
    return created


def follow_delete(*, follower: User, followed: User) -> bool:
    """Stop following; returns whether there was a follow to remove."""
    with transaction.atomic():
        deleted, _ = Follow.objects.filter(follower=follower, followed=followed).delete()
        if deleted:
            event_record(
                kind=EventKind.UNFOLLOW,
                actor=follower,
                creator=CreatorProfile.objects.filter(user=followed).first(),
                target=followed,
                payload={"followed_id": followed.pk},
            )
    return bool(deleted)
