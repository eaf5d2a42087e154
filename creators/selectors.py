"""Reads that creator pages need."""

from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from creators.handles import handle_key
from creators.models import CreatorProfile, User


def _by_handle(handle: str) -> QuerySet[CreatorProfile]:
    # Compare on LOWER(handle) so the case-insensitive unique index serves the lookup.
    return CreatorProfile.objects.alias(handle_lower=Lower("handle")).filter(
        handle_lower=handle_key(handle)
    )


def handle_is_taken(*, handle: str, exclude_user: User | None = None) -> bool:
    qs = _by_handle(handle)
    if exclude_user is not None:
        qs = qs.exclude(user=exclude_user)
    return qs.exists()


def creator_get_public(*, handle: str) -> CreatorProfile:
    profile = _by_handle(handle).select_related("user").first()
    if profile is None or not profile.user.is_active:
        raise Http404("No creator with that handle.")
    return profile


def creator_profile_get_for_owner(*, user: User, handle: str) -> CreatorProfile:
    """The profile behind `handle`, only for its owner: anyone else gets a 404."""
    if not user.is_authenticated:
        raise Http404("No creator with that handle.")
    profile = _by_handle(handle).filter(user=user).first()
    if profile is None:
        raise Http404("No creator with that handle.")
    return profile


def creator_profile_of(user: User) -> CreatorProfile | None:
    if not user.is_authenticated:
        return None
    relation = User.creator_profile.related
    if relation.is_cached(user):  # loaded with the user (relcommerce.auth_backends) or set
        return relation.get_cached_value(user)
    return CreatorProfile.objects.filter(user=user).first()


def creators_active() -> QuerySet[CreatorProfile]:
    return CreatorProfile.objects.filter(user__is_active=True)


def creators_featured(*, limit: int = 8) -> list[CreatorProfile]:
    """Staff-featured creators first, topped up with the newest so the page is never empty."""
    featured = list(creators_active().filter(is_featured=True).order_by("-created_at")[:limit])
    if len(featured) < limit:
        featured += list(
            creators_active()
            .filter(is_featured=False)
            .order_by("-created_at")[: limit - len(featured)]
        )
    return featured


def creator_search(*, query: str = "") -> QuerySet[CreatorProfile]:
    qs = creators_active().order_by("display_name", "id")
    query = query.strip()
    if query:
        qs = qs.filter(handle__icontains=query) | qs.filter(display_name__icontains=query)
    return qs
