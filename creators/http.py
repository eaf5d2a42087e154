"""Small HTTP helpers shared by the views (follows, reports, the conversation)."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


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


def report_page(request, *, back_url: str, what: str, submit: Callable) -> HttpResponse:
    """The report form for a comment, post or list: `submit(reason=, details=)` files the
    report (a duplicate goes back with a note; bad input stays on the form, 400)."""
    from creators.models import ReportReason

    reason, details, errors = "", "", {}
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        details = request.POST.get("details", "")
        try:
            submit(reason=reason, details=details)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "duplicate":
                messages.info(request, exc.messages[0])
                return redirect(back_url)
            errors = exc.message_dict
        else:
            messages.success(request, "Thank you: our team will review your report.")
            return redirect(back_url)
    context = {
        "what": what,
        "back_url": back_url,
        "reasons": ReportReason.choices,
        "reason": reason,
        "details": details,
        "errors": errors,
    }
    return render(request, "creators/report.html", context, status=400 if errors else 200)
