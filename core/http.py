"""Small HTTP helpers shared by the views (follows, reports, the conversation)."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

MAX_ID = 2**63 - 1  # the largest bigint: a larger "id" would be a database error, not a 404


def form_id(value) -> int | None:
    """An object id typed into a form or query string: a positive whole number that fits
    the id column, else None (so "abc", "1 OR 1=1" and 10**30 are all just "no such")."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or not text.isascii():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class IdConverter:
    """`<id:name>` in a URL: an object id, at most 18 digits. Django's `<int:>` takes any
    number of digits, and an id past the column's range is a database error (a 500) rather
    than the 404 any other unknown id gets."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(request, default: str) -> str:
    """The POSTed `next` if it points at this site, else `default`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def login_redirect(request, next_url: str) -> HttpResponse:
    """Send a signed-out visitor to sign in, then back to `next_url` (htmx too)."""
    login_url = f"{reverse('account_login')}?{urlencode({'next': next_url})}"
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login_url
        return response
    return redirect(login_url)


def follow_action(request, *, follow: Callable, unfollow: Callable, followed: str, unfollowed: str):
    """Apply a POSTed action=follow|unfollow: (action, error, notice) for the page."""
    action = request.POST.get("action", "")
    try:
        if action == "follow":
            follow()
            return action, "", followed
        if action == "unfollow":
            unfollow()
            return action, "", unfollowed
        return action, "Choose to follow or unfollow.", ""
    except ValidationError as exc:
        return action, " ".join(exc.messages), ""
