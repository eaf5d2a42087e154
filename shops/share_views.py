"""Share links: the Share button's panel, `/r/<code>`, the fan's "Your shares" page and
the creator's advocates in the Studio."""

from datetime import timedelta
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.http import is_htmx
from core.ratelimits import rate_limited
from creators.selectors import creator_profile_of
from shops import advocacy, referrals, selectors

SHARES_PER_PAGE = 25
ADVOCATES_PER_PAGE = 25
ADVOCATE_PERIODS = {"30": 30, "90": 90, "all": None}
SHARE_RATE = "120/h"


def share_targets(url: str, title: str) -> list[tuple[str, str]]:
    """The usual places to share, as plain links (no third-party scripts)."""
    u, t = quote(url, safe=""), quote(title, safe="")
    both = quote(f"{title} {url}", safe="")
    return [
        ("Email", f"mailto:?subject={t}&body={both}"),
        ("X (Twitter)", f"https://twitter.com/intent/tweet?url={u}&text={t}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ("WhatsApp", f"https://wa.me/?text={both}"),
        ("Telegram", f"https://t.me/share/url?url={u}&text={t}"),
        ("LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?url={u}"),
    ]


def share_panel_context(request, *, kind: str, target, link=None) -> dict:
    """What the panel shows: the fan's own link, or (signed out) the page's address."""
    title = referrals.share_title(target)
    page_url = target.get_absolute_url()
    url = request.build_absolute_uri(link.get_absolute_url() if link else page_url)
    return {
        "kind": kind,
        "target_id": target.pk,
        "target_title": title,
        "share_url": url,
        "personal": link is not None,
        "targets": share_targets(url, title),
        "login_url": f"{reverse('account_login')}?{urlencode({'next': page_url})}",
        "page_url": page_url,
    }


def _share_limited(request, minutes: int):
    message = f"Too many share links at once: please try again in {minutes} minute" + (
        "s." if minutes != 1 else "."
    )
    if is_htmx(request):
        return render(request, "shops/partials/share_error.html", {"message": message})
    return render(request, "rate_limited.html", {"retry_minutes": minutes}, status=429)


@require_POST
@rate_limited("share", SHARE_RATE, limited_response=_share_limited)
def share(request):
    """The Share button: a signed-in fan gets their personal link (made on first use), a
    visitor the page's own address and an invitation to sign in for credit."""
    kind = request.POST.get("kind", "")
    target = referrals.share_target_get(
        kind=kind, target_id=request.POST.get("target"), viewer=request.user
    )
    link = None
    if request.user.is_authenticated:
        link = referrals.share_link_get_or_create(sharer=request.user, target=target)
    context = share_panel_context(request, kind=kind, target=target, link=link)
    if is_htmx(request):
        return render(request, "shops/partials/share_panel.html", context)
    return render(request, "shops/share.html", context)


@require_GET
@never_cache
def share_redirect(request, code):
    """`/r/<code>`: to the shared page, crediting the sharer with the visit."""
    link = referrals.share_link_for_code(code)
    landing = referrals.share_link_landing(link)
    response = redirect(landing.url)
    if not landing.live:
        return response  # the product or post is gone: nothing to credit
    outcome = referrals.share_visit_record(
        link=link,
        visitor=request.user,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        who=referrals.visitor_key(request),
        countable=referrals.visit_countable(request),
    )
    if outcome.attribute:
        referrals.attribution_cookie_set(response, link=link)
    return response


@login_required
def account_shares(request):
    """Your shares: each link with the visits and purchases it brought, and the totals."""
    page = Paginator(advocacy.share_links_of(sharer=request.user), SHARES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "link": link,
            "target": link.target,
            "title": referrals.share_title(link.target),
            # No link to a page that is no longer public: its address names it.
            "page_url": link.target.get_absolute_url()
            if referrals.share_target_is_public(link.target)
            else "",
            "url": request.build_absolute_uri(link.get_absolute_url()),
        }
        for link in page.object_list
    ]
    return render(
        request,
        "shops/account_shares.html",
        {
            "page": page,
            "rows": rows,
            "totals": advocacy.share_totals_of(sharer=request.user),
            "window_days": referrals.window().days,
        },
    )


@login_required
def studio_advocates(request):
    """The creator's top advocates: fans ranked by the purchases, then the visits, their
    share links brought."""
    if creator_profile_of(request.user) is None:
        messages.info(request, "Open a shop first: it takes a minute.")
        return redirect("shops:open")
    shop = selectors.shop_get_for_owner(user=request.user)
    profile = shop.creator
    period = request.GET.get("period", "90")
    if period not in ADVOCATE_PERIODS:
        period = "90"
    days = ADVOCATE_PERIODS[period]
    since = timezone.now() - timedelta(days=days) if days else None
    page = Paginator(
        advocacy.advocates_of(creator=profile, since=since), ADVOCATES_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "shops/studio_advocates.html",
        {
            "profile": profile,
            "page": page,
            "advocates": advocacy.advocates_page_rows(page.object_list),
            "period": period,
            "periods": [("30", "30 days"), ("90", "90 days"), ("all", "All time")],
            "currency": shop.currency,
        },
    )
