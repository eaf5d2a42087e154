"""Writes on creator profiles. Each runs inside the caller's use-case transaction."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core import images
from core.images import CleanImage
from creators.handles import validate_handle
from creators.models import CreatorProfile, User
from creators.rollup import metrics_recompute_request
from creators.selectors import creator_profile_exists, handle_is_taken

HANDLE_TAKEN = "That handle is already taken. Please choose another."
ALREADY_CREATOR = "You already have a shop."


def creator_profile_create(
    *,
    user: User,
    handle: str,
    display_name: str,
    bio: str = "",
    avatar: CleanImage | None = None,
    banner: CleanImage | None = None,
) -> CreatorProfile:
    """Make `user` a creator. Call inside `images.discard_on_error()` and a transaction."""
    handle = handle.strip()
    validate_handle(handle)
    if creator_profile_exists(user=user):
        raise ValidationError(ALREADY_CREATOR, code="already_creator")
    if handle_is_taken(handle=handle):
        raise ValidationError({"handle": HANDLE_TAKEN})
    # By id: `user` is told of its profile (its cached `creator_profile`) only once saved.
    profile = CreatorProfile(
        user_id=user.pk, handle=handle, display_name=display_name.strip(), bio=bio
    )
    _set_image(profile, "avatar", avatar, images.AVATAR)
    _set_image(profile, "banner", banner, images.BANNER)
    try:
        # A savepoint, so losing a race surfaces as the answer the checks above give a
        # request that comes a moment later, rather than a broken outer transaction: the
        # user's own double submit made the profile (one per user), or someone else took
        # the handle.
        with transaction.atomic():
            profile.save()
    except IntegrityError as exc:
        if creator_profile_exists(user=user):
            raise ValidationError(ALREADY_CREATOR, code="already_creator") from exc
        raise ValidationError({"handle": HANDLE_TAKEN}) from exc
    profile.user = user
    return profile


def creator_profile_update(
    *,
    profile: CreatorProfile,
    display_name: str,
    bio: str,
    avatar: CleanImage | None = None,
    banner: CleanImage | None = None,
    remove_avatar: bool = False,
    remove_banner: bool = False,
    time_zone: str | None = None,
) -> CreatorProfile:
    with images.discard_on_error(), transaction.atomic():
        profile.display_name = display_name.strip()
        profile.bio = bio
        zone_changed = time_zone is not None and time_zone != profile.time_zone
        if zone_changed:
            profile.time_zone = time_zone
        for name, clean, remove, spec in (
            ("avatar", avatar, remove_avatar, images.AVATAR),
            ("banner", banner, remove_banner, images.BANNER),
        ):
            if clean is not None or remove:
                old = [getattr(profile, name).name, *getattr(profile, f"{name}_variants").values()]
                _set_image(profile, name, clean, spec)
                transaction.on_commit(partial(images.delete_files, old))
        profile.full_clean(exclude=["user", "avatar", "banner"])
        profile.save()
        if zone_changed:
            # Every metrics day of the creator now begins at another hour: rebuild them.
            metrics_recompute_request(creator=profile)
    return profile


def _set_image(profile: CreatorProfile, name: str, clean: CleanImage | None, spec) -> None:
    if clean is None:
        setattr(profile, name, "")
        setattr(profile, f"{name}_variants", {})
        return
    stored = images.store_image(clean, spec)
    setattr(profile, name, stored.name)
    setattr(profile, f"{name}_variants", stored.variants)
