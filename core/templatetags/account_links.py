"""Links to the sign-in and sign-up pages that bring the visitor back where they were."""

from urllib.parse import urlencode

from django import template
from django.utils.http import url_has_allowed_host_and_scheme

register = template.Library()


def _is_auth_page(request) -> bool:
    """allauth's own pages (sign in, sign up, reset…), wherever its URLs are mounted."""
    match = getattr(request, "resolver_match", None)
    return match is not None and match.func.__module__.startswith("allauth.")


@register.simple_tag(takes_context=True)
def auth_next_query(context) -> str:
    """`?next=<this page>` for the header's Sign in / Sign up links.

    On the auth pages themselves the page's own (safe) `next` is passed along instead, so
    "Sign in → Sign up" keeps the way back. The value is URL-encoded here and
    HTML-escaped by the template.
    """
    request = context.get("request")
    if request is None:
        return ""
    if _is_auth_page(request):
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return ""
    else:
        target = request.get_full_path()
    return "?" + urlencode({"next": target}, safe="/@")
