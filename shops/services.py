"""Writes a user can cause in commerce, one transaction per use case."""

from django.conf import settings
from django.db import transaction

from creators import images
from creators.events import event_record
from creators.images import CleanImage
from creators.models import EventKind, User
from creators.services import creator_profile_create
from shops.models import Shop


def shop_open(
    *,
    user: User,
    handle: str,
    display_name: str,
    bio: str = "",
    avatar: CleanImage | None = None,
    banner: CleanImage | None = None,
) -> Shop:
    """A fan becomes a creator: profile, shop and the creator's first event, all or nothing."""
    with images.discard_on_error(), transaction.atomic():
        profile = creator_profile_create(
            user=user,
            handle=handle,
            display_name=display_name,
            bio=bio,
            avatar=avatar,
            banner=banner,
        )
        shop = Shop.objects.create(
            creator=profile, name=profile.display_name, currency=settings.SHOP_DEFAULT_CURRENCY
        )
        event_record(
            kind=EventKind.SHOP_OPENED,
            actor=user,
            creator=profile,
            target=shop,
            payload={"handle": profile.handle},
        )
    return shop
