from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from core import pagecache
from core.ratelimits import rate_limited
from creators import dashboard, featuring, selectors, threads
from creators.forms import AccountForm, EditProfileForm
from creators.page_cache import creator_scope, owns_handle
from creators.services import creator_profile_update
from creators.studio_access import start_selling_redirect

CREATORS_PER_PAGE = 24
LATEST_POSTS = 3


@pagecache.cached_page(lambda handle: [creator_scope(handle)], owner=owns_handle("handle"))
def creator_detail(request, handle):
    profile = selectors.creator_get_public(handle=handle)
    if profile.handle != handle:
        return redirect(profile, permanent=True)
    is_owner = request.user.pk == profile.user_id
    return render(
        request,
        "creators/creator_detail.html",
        {
            "profile": profile,
            "is_owner": is_owner,
            # "From our fans": featured comments and reviews (a constant few queries).
            "featured": featuring.featured_for_creator(profile=profile, owner=is_owner),
            # The follow button and the latest posts depend on the viewer: holes of the
            # page cache (templatetags/social_tags.py), rendered per request.
            "follow_counts": selectors.follow_counts(user_id=profile.user_id),
        },
    )


@login_required
@rate_limited("profile_edit", "30/h")
def creator_edit(request, handle):
    profile = selectors.creator_profile_get_for_owner(user=request.user, handle=handle)
    initial = {
        "display_name": profile.display_name,
        "bio": profile.bio,
        "time_zone": profile.time_zone,
    }
    form = EditProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        creator_profile_update(profile=profile, **form.cleaned_data)
        messages.success(request, "Your profile is updated.")
        return redirect(profile)
    return render(request, "creators/creator_edit.html", {"form": form, "profile": profile})


@pagecache.cached_page(lambda: [pagecache.CATALOG])
def creator_list(request):
    query = request.GET.get("q", "")[:100]
    page = Paginator(selectors.creator_search(query=query), CREATORS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "creators/creator_list.html", {"page": page, "query": query})


@login_required
def studio(request):
    profile = selectors.creator_profile_of(request.user)
    if profile is None:
        return start_selling_redirect(request)
    waiting = threads.inbox_for_creator(user=request.user).count()
    board = dashboard.dashboard_for(
        profile=profile, days=dashboard.period_from(request.GET.get("days"))
    )
    return render(
        request,
        "creators/studio.html",
        {
            "profile": profile,
            "board": board,
            "periods": dashboard.PERIODS,
            "inbox_waiting": waiting,
        },
    )


@login_required
def studio_metrics_csv(request):
    """The creator's daily metric rows as CSV, for their own spreadsheets."""
    profile = selectors.creator_profile_of(request.user)
    if profile is None:
        raise Http404("Only creators have metrics.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{profile.handle}-metrics.csv"'
    dashboard.metrics_csv_write(profile=profile, out=response)
    return response


@login_required
@rate_limited("account_edit", "30/h")
def account(request):
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your account is updated.")
        return redirect("creators:account")
    return render(
        request,
        "creators/account.html",
        {"form": form, "two_factor_on": is_mfa_enabled(request.user, [Authenticator.Type.TOTP])},
    )
