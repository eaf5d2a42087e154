"""HTTP for recognising fans: featuring their comments, thank-you notes, the fan's notes.

Thin: every owner-only page goes through an owner-checked accessor (404 for anyone
else); the rules live in creators/featuring.py and creators/thanks.py.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.http import safe_next
from core.ratelimits import rate_limited
from creators import featuring, selectors, thanks, threads
from creators.models import THANK_YOU_MAX_LENGTH

FEATURE_RATE = "60/h"
THANK_YOU_RATE = "60/h"
NOTES_PER_PAGE = 20


def _creator_profile_or_404(request):
    profile = selectors.creator_profile_of(request.user)
    if profile is None:
        raise Http404("Only creators can do this.")
    return profile


# Featuring ---------------------------------------------------------------------------------


@login_required
@require_POST
@rate_limited("feature", FEATURE_RATE)
def comment_feature(request, comment_id):
    """POST action=feature|unfeature on a comment of the creator's own post."""
    comment = threads.comment_get_for_creator(user=request.user, comment_id=comment_id)
    back = comment.get_absolute_url()
    feature = request.POST.get("action") != "unfeature"
    try:
        featured = featuring.comment_feature(
            creator_user=request.user, comment=comment, feature=feature
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            "The comment is on your page, under “From our fans”. We told the fan."
            if featured
            else "The comment is no longer featured on your page.",
        )
    return redirect(safe_next(request, back))


@login_required
@require_POST
@rate_limited("feature", FEATURE_RATE)
def featured_remove(request, item_id):
    item = featuring.featured_item_get_for_owner(user=request.user, item_id=item_id)
    featuring.featured_item_remove(item=item)
    messages.success(request, "Removed from “From our fans”.")
    return redirect(safe_next(request, item.creator.get_absolute_url() + "#from-our-fans"))


# Thank-you notes ---------------------------------------------------------------------------


class ThankYouForm(forms.Form):
    body = forms.CharField(
        label="Your note",
        max_length=THANK_YOU_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"Plain text, up to {THANK_YOU_MAX_LENGTH} characters. The fan sees it in "
        "their notifications (and by email, if they chose to).",
        error_messages={
            "required": "Write a few words of thanks first.",
            "max_length": f"Keep the note to {THANK_YOU_MAX_LENGTH} characters.",
        },
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def _safe(request, url: str, default: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


@login_required
@rate_limited("thank_you", THANK_YOU_RATE)
def thank_fan(request, fan_id):
    """The creator writes a thank-you note to one fan (GET shows the form, POST sends).
    Fans who never interacted with the creator are refused, with the reason."""
    profile = _creator_profile_or_404(request)
    target = thanks.thank_target(creator=profile, fan_id=fan_id)
    back = reverse("creators:studio")
    if request.method == "POST":
        form = ThankYouForm(request.POST)
    else:
        form = ThankYouForm(initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and target.allowed and form.is_valid():
        try:
            thanks.thank_you_send(creator=profile, fan=target.fan, body=form.cleaned_data["body"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Your thank-you note is on its way to {thanks.fan_display_name(target.fan)}.",
            )
            return redirect(_safe(request, form.cleaned_data.get("next", ""), back))
    status = 200
    if not target.allowed:
        status = 403
    elif form.errors:
        status = 400
    return render(
        request,
        "creators/thank_fan.html",
        {
            "profile": profile,
            "target": target,
            "name": thanks.fan_display_name(target.fan) if target.allowed else "",
            "form": form,
            "back_url": _safe(request, request.GET.get("next", ""), back),
        },
        status=status,
    )


@login_required
def thank_you_notes(request):
    """The notes creators sent the signed-in fan, newest first."""
    page = Paginator(thanks.thank_you_notes_for_fan(user=request.user), NOTES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "creators/thank_you_notes.html", {"page": page})
