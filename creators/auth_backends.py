"""Authentication backends that load a signed-in user's creator profile with the user.

Every page's header asks whether the visitor has a shop (Studio or "Open a shop");
joining the profile into the query that loads `request.user` answers it without a
query of its own.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend

from creators.models import User


class _UserWithProfile:
    def get_user(self, user_id):
        user = User._default_manager.select_related("creator_profile").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class UserWithProfileBackend(_UserWithProfile, ModelBackend):
    pass


class AllauthUserWithProfileBackend(_UserWithProfile, AuthenticationBackend):
    pass
