"""Follow and unfollow, the creator's follower list and the fan's following list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.http import follow_action, is_htmx, login_redirect, safe_next
from core.ratelimits import rate_limited
from creators import follows, selectors
from creators.studio_access import start_selling_redirect

FOLLOWS_PER_PAGE = 50
FOLLOW_RATE = "120/h"
PEOPLE_SHOWN = 100  # fans followed, listed under the creators


def _follow_limited(request, minutes: int):
    """Past the limit, htmx gets the button with the message in place (htmx does not swap
    a 429); a plain form gets the usual 429 page."""
    if not is_htmx(request):
        return render(request, "rate_limited.html", {"retry_minutes": minutes}, status=429)
    profile = selectors.creator_get_public(handle=request.resolver_match.kwargs["handle"])
    message = f"Too many follows and unfollows: please try again in {minutes} minute"
    return render(
        request,
        "creators/partials/follow_button_response.html",
        {
            "profile": profile,
            "next_url": safe_next(request, profile.get_absolute_url()),
            "follow_error": message + ("s." if minutes != 1 else "."),
        },
    )


@require_POST
@rate_limited("follow", FOLLOW_RATE, limited_response=_follow_limited)
def follow(request, handle):
    """POST action=follow|unfollow. htmx gets the button back; a plain form a redirect."""
    profile = selectors.creator_get_public(handle=handle)
    next_url = safe_next(request, profile.get_absolute_url())
    if not request.user.is_authenticated:
        return login_redirect(request, next_url)
    action, error, notice = follow_action(
        request,
        follow=lambda: follows.follow_create(follower=request.user, followed=profile.user),
        unfollow=lambda: follows.follow_delete(follower=request.user, followed=profile.user),
        followed=f"You follow {profile.display_name}: their posts appear in your feed.",
        unfollowed=f"You no longer follow {profile.display_name}.",
    )
    if is_htmx(request):
        return render(
            request,
            "creators/partials/follow_button_response.html",
            {"profile": profile, "next_url": next_url, "follow_error": error},
            status=400 if error and not action else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect(next_url)


@login_required
def studio_followers(request):
    profile = selectors.creator_profile_of(request.user)
    if profile is None:
        return start_selling_redirect(request)
    query = request.GET.get("q", "")[:100]
    page = Paginator(
        selectors.followers_of(user=request.user, query=query), FOLLOWS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "creators/studio_followers.html",
        {
            "profile": profile,
            "page": page,
            "query": query,
            "counts": selectors.follow_counts(user_id=request.user.pk),
        },
    )


@login_required
def account_following(request):
    page = Paginator(selectors.following_of(user=request.user), FOLLOWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    people = list(selectors.fans_followed_by(user=request.user)[: PEOPLE_SHOWN + 1])
    return render(
        request,
        "creators/account_following.html",
        {
            "page": page,
            "people": people[:PEOPLE_SHOWN],
            "people_more": len(people) > PEOPLE_SHOWN,
        },
    )
