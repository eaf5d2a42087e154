"""Fans' public profiles: the settings, the profile page, fans following fans, and the
feed's "From people you follow" pages (creators/fans.py, creators/fan_activity.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.http import follow_action, is_htmx, login_redirect, safe_next
from core.ratelimits import rate_limited
from creators import fan_activity, fans, selectors
from creators.feed import Cursor
from creators.forms import FanProfileForm
from creators.models import FanProfile

PROFILE_ITEMS = 12
PEOPLE_PAGE_ITEMS = 20
FAN_FOLLOW_RATE = "120/h"


@login_required
@rate_limited("fan_profile_edit", "30/h")
def account_profile(request):
    """Whether the fan's profile is public, and the name and words it shows."""
    profile = fans.fan_profile_of(request.user)
    initial = {"name": request.user.name, "is_public": profile.is_public, "bio": profile.bio}
    form = FanProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            profile = fans.fan_profile_update(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if profile.is_public:
                messages.success(request, "Saved: your profile is public.")
            else:
                messages.success(request, "Saved: your profile is private, nobody else can see it.")
            return redirect("creators:account_profile")
    return render(request, "creators/account_profile.html", {"form": form, "profile": profile})


def _cursors(request) -> tuple[dict[str, Cursor | None], bool]:
    cursors, damaged = {}, False
    for source in fan_activity.sources():
        token = request.GET.get(source.name)
        cursors[source.name] = Cursor.decode(token)
        damaged = damaged or (bool(token) and cursors[source.name] is None)
    return cursors, damaged


def fan_profile(request, public_id):
    profile = selectors.fan_profile_get_public(public_id=public_id, viewer=request.user)
    cursors, bad_cursor = _cursors(request)
    return render(
        request,
        "creators/fan_profile.html",
        {
            "fan": profile,
            "person": profile.user,
            "is_owner": request.user.pk == profile.user_id,
            "following": selectors.fan_follow_exists(
                follower=request.user, followed_id=profile.user_id
            ),
            "follower_count": selectors.fan_follower_count(user_id=profile.user_id),
            "sections": fan_activity.activity_of(
                user_ids=[profile.user_id], cursors=cursors, per_page=PROFILE_ITEMS
            ),
            "bad_cursor": bad_cursor,
        },
    )


def _follow_limited(request, minutes: int):
    """Past the limit, htmx gets the button with the message in place (as creator follows)."""
    if not is_htmx(request):
        return render(request, "rate_limited.html", {"retry_minutes": minutes}, status=429)
    fan = (
        FanProfile.objects.select_related("user")
        .filter(public_id=request.resolver_match.kwargs["public_id"])
        .first()
    )
    if fan is None:
        raise Http404("No public profile here.")
    message = f"Too many follows and unfollows: please try again in {minutes} minute"
    return render(
        request,
        "creators/partials/fan_follow_button.html",
        {
            "fan": fan,
            "person": fan.user if fan.is_public else None,
            "following": selectors.fan_follow_exists(
                follower=request.user, followed_id=fan.user_id
            ),
            "next_url": safe_next(request, fan.get_absolute_url()),
            "error": message + ("s." if minutes != 1 else "."),
        },
    )


@require_POST
@rate_limited("fan_follow", FAN_FOLLOW_RATE, limited_response=_follow_limited)
def fan_follow(request, public_id):
    """POST action=follow|unfollow for a fan's profile. Following needs the profile to be
    public; unfollowing works whatever it is now (so nobody is stuck following)."""
    fan = (
        FanProfile.objects.select_related("user")
        .filter(public_id=public_id[:16].lower(), user__is_active=True)
        .first()
    )
    if fan is None:
        raise Http404("No public profile here.")
    fallback = fan.get_absolute_url() if fan.is_public else reverse("creators:account_following")
    next_url = safe_next(request, fallback)
    if not request.user.is_authenticated:
        return login_redirect(request, next_url)
    # A profile made private is named nowhere, not even to someone who still has its link.
    name = fan.user.name if fan.is_public else ""
    action, error, notice = follow_action(
        request,
        follow=lambda: fans.fan_follow_create(follower=request.user, followed=fan.user),
        unfollow=lambda: fans.fan_follow_delete(follower=request.user, followed=fan.user),
        followed=f"You follow {fan.user.name}: what they share appears in your feed.",
        unfollowed=f"You no longer follow {name or 'this fan'}.",
    )
    if is_htmx(request):
        return render(
            request,
            "creators/partials/fan_follow_button.html",
            {
                "fan": fan,
                "person": fan.user if fan.is_public else None,
                "following": selectors.fan_follow_exists(
                    follower=request.user, followed_id=fan.user_id
                ),
                "next_url": next_url,
                "error": error,
            },
            status=400 if error and not action else 200,
        )
    if error:
        messages.error(request, error)
        if not fan.is_public:
            return redirect("creators:account_following")
    else:
        messages.success(request, notice)
    return redirect(next_url)


@login_required
def feed_people(request, source):
    """Everything one source holds of the people the fan follows, newest first, by keyset."""
    found = fan_activity.source_get(source)
    if found is None:
        raise Http404("Nothing like that here.")
    token = request.GET.get("cursor")
    cursor = Cursor.decode(token)
    ids = fan_activity.followed_public_fan_ids(user=request.user)
    page = (
        found.page(user_ids=ids, cursor=cursor, per_page=PEOPLE_PAGE_ITEMS)
        if ids
        else fan_activity.ActivityPage(items=[])
    )
    return render(
        request,
        "creators/feed_people.html",
        {
            "source": found,
            "page": page,
            "follows_people": bool(ids),
            "bad_cursor": bool(token) and cursor is None,
            "first_page": cursor is None,
        },
    )
