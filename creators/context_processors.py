from django.utils.functional import SimpleLazyObject

from creators.selectors import creator_profile_of


def creator_profile(request):
    """`my_creator_profile` for the header: Studio for creators, "Open a shop" for fans.

    Lazy, so pages that never show the header link cost no query.
    """
    return {"my_creator_profile": SimpleLazyObject(lambda: creator_profile_of(request.user))}
