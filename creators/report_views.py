"""The report form for a comment, post or list, shared by the views that offer it."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from creators.models import ReportReason


def report_page(request, *, back_url: str, what: str, submit: Callable) -> HttpResponse:
    """The report form for a comment, post or list: `submit(reason=, details=)` files the
    report (a duplicate goes back with a note; bad input stays on the form, 400)."""
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
