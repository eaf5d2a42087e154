"""The staff admin: reached only through the site's own sign-in, and only with two-factor.

Django's admin has a password form of its own, outside allauth's rate limits and
two-factor step. Here `/admin/login/` never shows one: a visitor is sent to the site's
sign-in (and back), staff without an authenticator app are sent to set one up, and
`has_permission` lets no staff account in without it. Its password-change form is the
site's too (allauth's, rate limited). Installed as the default admin
site (settings.INSTALLED_APPS: relcommerce.admin_config.StaffAdminConfig), so every
`admin.site.register` lands here.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


def staff_has_two_factor(user) -> bool:
    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


class StaffAdminSite(admin.AdminSite):
    site_header = "relcommerce staff"
    site_title = "relcommerce staff"

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and staff_has_two_factor(request.user)

    def login(self, request, extra_context=None):
        """Where admin sends whoever it lets not in: to the step they are missing."""
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
        if not (user.is_active and user.is_staff):
            return render(request, "staff_only.html", status=403)
        if not staff_has_two_factor(user):
            messages.info(
                request,
                "Staff set up two-factor authentication before opening admin: add an "
                "authenticator app below, then open admin again.",
            )
            return redirect("mfa_activate_totp")
        return redirect(next_url)

    def password_change(self, request, extra_context=None):
        """The site's password change (allauth's: rate limited, signs out other sessions)."""
        return redirect("account_change_password")
