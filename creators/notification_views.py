"""The bell's pages: notifications (read / mark read), email settings, unsubscribe.

Mark-read forms are plain POSTs that redirect back to the list; with htmx the same
redirect is followed and the changed item (and the header's bell) are swapped in.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.ratelimits import rate_limited
from creators import notification_emails, notifications
from creators.forms import NotificationSettingsForm

PER_PAGE = 30


def _back(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("creators:notifications")


@login_required
def notification_list(request):
    page = Paginator(
        notifications.notification_list_for_user(user=request.user), PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "creators/notifications.html",
        {
            "page": page,
            "days": notifications.notifications_by_day(page),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
@rate_limited("notification_read", "600/h")
def notification_read(request, notification_id):
    notification = notifications.notification_get_for_recipient(
        user=request.user, notification_id=notification_id
    )
    notifications.notification_mark_read(notification=notification)
    return _back(request)


@login_required
@require_POST
@rate_limited("notification_read", "600/h")
def notifications_read_all(request):
    notifications.notifications_mark_all_read(user=request.user)
    return _back(request)


@login_required
@rate_limited("notification_settings", "60/h")
def notification_settings(request):
    current = notifications.preferences_for_user(user=request.user)
    form = NotificationSettingsForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        notifications.preferences_set(user=request.user, modes=form.cleaned_data)
        messages.success(request, "Your email settings are saved.")
        return redirect("creators:notification_settings")
    return render(request, "creators/notification_settings.html", {"form": form})


@csrf_exempt  # mail clients POST here (RFC 8058 one-click); the signed token is the proof
@rate_limited("unsubscribe", "60/h")
def unsubscribe(request, token):
    try:
        request_ = notification_emails.unsubscribe_read(token)
    except notification_emails.BadToken as exc:
        return render(request, "creators/unsubscribe.html", {"error": exc.message}, status=400)
    done = request.method == "POST"
    if done:
        notification_emails.unsubscribe_apply(request_)
    return render(request, "creators/unsubscribe.html", {"unsubscribe": request_, "done": done})
