"""Authentication backends that load, with the signed-in user, what every header shows.

The header asks on every page whether the visitor has a shop (Studio or "Open a shop"),
how many units are in their cart and how many notifications are unread. All come with
the query that loads `request.user`: the creator profile by a join, the counts by
subqueries. It lives in the project package because it reads both creators and shops.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend

from core import sql
from creators.models import CreatorProfile, FanFollow, Notification, NotificationChannel, User
from creators.notifications import BELL_CAP
from shops.models import Cart, CartLine

# One hand-written query (core/sql.py says why): the ORM's select_related with three
# subquery annotations cost more to build than the query costs to run, on every
# signed-in request. The user (`u`), their creator profile if any (`p`), and the counts.
_CART_UNITS = (
    f"SELECT COALESCE(SUM(line.quantity), 0) FROM {sql.table(CartLine)} line"  # noqa: S608 (see core/sql.py)
    f" JOIN {sql.table(Cart)} cart ON cart.id = line.cart_id"
    " WHERE cart.user_id = u.id"
)
# Whether the user follows any fan: most don't, and then a product page needn't ask how
# many of the fans they follow bought it (shops.social_proof.bought_by_following_count).
_FOLLOWS_FANS = (
    f"SELECT EXISTS(SELECT 1 FROM {sql.table(FanFollow)} ff"  # noqa: S608 (see core/sql.py)
    " WHERE ff.follower_id = u.id)"
)
_BELL_UNREAD = (  # bounded: the bell shows "99+"
    f"SELECT COUNT(*) FROM (SELECT 1 FROM {sql.table(Notification)} n"  # noqa: S608 (see core/sql.py)
    " WHERE n.recipient_id = u.id AND n.channel = %s"
    f" AND n.read_at IS NULL LIMIT {BELL_CAP + 1}) unread"
)
_USER_WITH_HEADER_DATA = (
    f"SELECT {sql.columns(User, 'u')}, {sql.columns(CreatorProfile, 'p')},"  # noqa: S608 (see core/sql.py)
    f" ({_CART_UNITS}), ({_BELL_UNREAD}), ({_FOLLOWS_FANS})"
    f" FROM {sql.table(User)} u LEFT JOIN {sql.table(CreatorProfile)} p ON p.user_id = u.id"
    " WHERE u.id = %s"
)
_USER_FIELDS = len(User._meta.concrete_fields)
_PROFILE_FIELDS = len(CreatorProfile._meta.concrete_fields)
_PROFILE_PK = CreatorProfile._meta.concrete_fields.index(CreatorProfile._meta.pk)


def _user_with_header_data(user_id: int) -> User | None:
    """The user, their creator profile, cart units, unread count and whether they follow
    any fan: one query. The profile is set on the user (`user.creator_profile`); a user
    without one has `has_creator_profile = False`, which `creator_profile_of` reads."""
    row = sql.one(_USER_WITH_HEADER_DATA, (NotificationChannel.IN_APP, user_id))
    if row is None:
        return None
    user = sql.load(User, row[:_USER_FIELDS])
    profile = row[_USER_FIELDS : _USER_FIELDS + _PROFILE_FIELDS]
    if profile[_PROFILE_PK] is None:  # no profile: the LEFT JOIN's columns are all NULL
        user.has_creator_profile = False
    else:
        user.creator_profile = sql.load(CreatorProfile, profile)
    user.cart_units, user.bell_unread, follows_fans = row[_USER_FIELDS + _PROFILE_FIELDS :]
    user.follows_fans = bool(follows_fans)  # SQLite answers EXISTS with 0 or 1
    return user


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
