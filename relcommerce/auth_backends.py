"""Authentication backends that load, with the signed-in user, what every header shows.

The header asks on every page whether the visitor has a shop (Studio or "Open a shop"),
how many units are in their cart and how many notifications are unread. All come with
the query that loads `request.user`: the creator profile by a join, the counts by
subqueries. It lives in the project package because it reads both creators and shops.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from creators.models import User
from creators.notifications import unread_count_subquery
from shops.models import CartLine


def _cart_units():
    lines = CartLine.objects.filter(cart__user=OuterRef("pk")).order_by()
    units = lines.values("cart__user").annotate(units=Sum("quantity")).values("units")
    return Coalesce(Subquery(units), 0)


def _user_with_header_data(user_id: int) -> User | None:
    """The user, their creator profile, cart units and unread count: one query."""
    found = (
        User._default_manager.select_related("creator_profile")
        .annotate(cart_units=_cart_units(), bell_unread=unread_count_subquery())
        .filter(pk=user_id)
        .order_by()[:1]
    )
    return next(iter(found), None)


class _UserWithHeaderData:
    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None  # a session from another user model's key type
        user = _user_with_header_data(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class UserBackend(_UserWithHeaderData, ModelBackend):
    pass


class AllauthUserBackend(_UserWithHeaderData, AuthenticationBackend):
    pass
