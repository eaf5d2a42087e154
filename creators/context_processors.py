from functools import cache

from django.utils.functional import SimpleLazyObject

from creators.notifications import notification_unread_count
from creators.selectors import creator_profile_of


def creator_profile(request):
    """`my_creator_profile` for the header: Studio for creators, "Open a shop" for fans.

    Lazy, so pages that never show the header link cost no query; reuses the profile the
    page cache already read for its owner check.
    """

    def read():
        if hasattr(request, "my_creator_profile"):
            return request.my_creator_profile
        return creator_profile_of(request.user)

    return {"my_creator_profile": SimpleLazyObject(read)}


def notification_bell(request):
    """`bell_count` for the header: one bounded COUNT, run only when the nav shows it."""

    return {"bell_count": cache(lambda: notification_unread_count(user=request.user))}
