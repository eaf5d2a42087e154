"""Authentication backends that load, with the signed-in user, what every header shows.

The header asks on every page whether the visitor has a shop (Studio or "Open a shop"),
how many units are in their cart and how many notifications are unread. All come with
the query that loads `request.user`: the creator profile by a join, the counts by
subqueries. It lives in the project package because it reads both creators and shops.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.db.models.expressions import RawSQL

from core import sql
from creators.models import FanFollow, Notification, NotificationChannel, User
from creators.notifications import BELL_CAP
from shops.models import Cart, CartLine

# The counts as hand-written subqueries (core/sql.py says why): building them with the
# ORM cost ten times the query itself, on every signed-in page.
_CART_UNITS = (
    f"SELECT COALESCE(SUM(line.quantity), 0) FROM {sql.table(CartLine)} line"  # noqa: S608 (see core/sql.py)
    f" JOIN {sql.table(Cart)} cart ON cart.id = line.cart_id"
    f" WHERE cart.user_id = {sql.col(User, 'id')}"
)
# Whether the user follows any fan: most don't, and then a product page needn't ask how
# many of the fans they follow bought it (shops.social_proof.bought_by_following_count).
_FOLLOWS_FANS = (
    f"SELECT EXISTS(SELECT 1 FROM {sql.table(FanFollow)} ff"  # noqa: S608 (see core/sql.py)
    f" WHERE ff.follower_id = {sql.col(User, 'id')})"
)
_BELL_UNREAD = (  # bounded: the bell shows "99+"
    f"SELECT COUNT(*) FROM (SELECT 1 FROM {sql.table(Notification)} n"  # noqa: S608 (see core/sql.py)
    f" WHERE n.recipient_id = {sql.col(User, 'id')} AND n.channel = %s"
    f" AND n.read_at IS NULL LIMIT {BELL_CAP + 1}) unread"
)


def _user_with_header_data(user_id: int) -> User | None:
    """The user, their creator profile, cart units, unread count and whether they follow
    any fan: one query."""
    found = (
        User._default_manager.select_related("creator_profile")
        .annotate(
            cart_units=RawSQL(_CART_UNITS, ()),  # noqa: S611 (see core/sql.py)
            bell_unread=RawSQL(_BELL_UNREAD, (NotificationChannel.IN_APP,)),  # noqa: S611 (see core/sql.py)
            follows_fans=RawSQL(_FOLLOWS_FANS, ()),  # noqa: S611 (see core/sql.py)
        )
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
