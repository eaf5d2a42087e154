"""Fans' public profiles and fans following fans (tastemakers): the use cases.

A fan's profile is private until they make it public in their account settings. Only a
public profile has a page (/u/<public_id>/), can be followed, shows the purchases its
owner chose to share, and is named in "bought this" lines; turning it private again hides
all of that at once (every read checks `FanProfile.is_public`, and the cached product
pages that named the fan are touched through `pagecache.touch_fans`).

Fan-to-fan follows (`FanFollow`) are their own relationship: creator follower counts,
the post feed and the relationship metrics only ever read `Follow`.
"""

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from creators.events import event_record
from creators.models import FAN_PUBLIC_ID_LENGTH, EventKind, FanFollow, FanProfile, User

# Lower-case letters and digits without look-alikes (0/o, 1/l/i): easy to read aloud.
_PUBLIC_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
NAME_NEEDED = "Choose the name people will see before making your profile public."


def _new_public_id() -> str:
    return "".join(secrets.choice(_PUBLIC_ID_ALPHABET) for _ in range(FAN_PUBLIC_ID_LENGTH))


def fan_profile_of(user: User) -> FanProfile:
    """The fan's profile settings; an unsaved private default if they never chose."""
    profile = FanProfile.objects.filter(user=user).first()
    return profile or FanProfile(user=user, is_public=False)


def fan_profile_update(*, user: User, name: str, is_public: bool, bio: str = "") -> FanProfile:
    """Save the name the fan is shown by and whether their profile is public.

    A public profile needs a name (it is what "Ana bought this" shows); the public id is
    drawn once, the first time the settings are saved, and never changes. Pages that name
    the fan are invalidated by the model signals (core/pagecache.py).
    """
    name = name.strip()
    bio = bio.strip()
    if is_public and not name:
        raise ValidationError({"name": [NAME_NEEDED]}, code="name_needed")
    with transaction.atomic():
        if user.name != name:
            user.name = name
            user.save(update_fields=["name"])
        profile = _fan_profile_locked(user)
        if is_public and not profile.is_public:
            profile.made_public_at = timezone.now()
        profile.is_public = is_public
        profile.bio = bio
        profile.save(update_fields=["is_public", "bio", "made_public_at", "updated_at"])
    return profile


def _fan_profile_locked(user: User) -> FanProfile:
    """The fan's profile row, locked; made on their first save. A double submit of that
    first save finds the row the other request made (get_or_create reads again after
    losing the insert); only a taken public id — astronomically rare — draws again."""
    for attempt in range(3):
        try:
            return FanProfile.objects.select_for_update().get_or_create(
                user=user, defaults={"public_id": _new_public_id()}
            )[0]
        except IntegrityError:
            if attempt == 2:
                raise


# Fans following fans ------------------------------------------------------------------------


def _check_fan_target(*, follower: User, followed: User) -> None:
    if follower.pk == followed.pk:
        raise ValidationError("You can’t follow yourself.", code="follow_self")
    if not followed.is_active:
        raise ValidationError("This account is no longer active.", code="follow_inactive")
    if not FanProfile.objects.filter(user=followed, is_public=True).exists():
        raise ValidationError(
            "This profile is private: only public profiles can be followed.",
            code="follow_private",
        )


def fan_follow_create(*, follower: User, followed: User) -> bool:
    """Follow a fan's public profile; returns whether a new follow was made.

    Idempotent like creator follows (unique pair + get_or_create); only a new follow
    records a `fan_follow` event (the followed fan hears about it). It has no creator, so
    the relationship metrics never count it.
    """
    _check_fan_target(follower=follower, followed=followed)
    with transaction.atomic():
        follow, created = FanFollow.objects.get_or_create(follower=follower, followed=followed)
        if created:
            event_record(
                kind=EventKind.FAN_FOLLOW,
                actor=follower,
                creator=None,
                target=follow,
                payload={"followed_id": followed.pk},
            )
    return created


def fan_follow_delete(*, follower: User, followed: User) -> bool:
    """Stop following a fan (allowed whether or not their profile is still public)."""
    with transaction.atomic():
        deleted, _ = FanFollow.objects.filter(follower=follower, followed=followed).delete()
    return bool(deleted)
