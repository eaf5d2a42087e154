"""Review pages: write/edit, helpful votes, reports, the creator's responses and the
fan's email preferences. Thin: parse, call a service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.http import safe_next
from core.ratelimits import rate_limited
from creators.featuring import featured_target_ids
from creators.models import User
from reviews import requests, selectors, services
from reviews.forms import ReportForm, ResponseForm, ReviewEmailPreferencesForm, ReviewForm
from reviews.models import Review, ReviewEmailOptOut
from shops.selectors import product_get_public

STUDIO_REVIEWS_PER_PAGE = 25


def _posted(request):
    """The POST data to bind, even when empty (an unticked checkbox sends nothing)."""
    return request.POST if request.method == "POST" else None


@login_required
@rate_limited("review_write", "30/h")
def review_write(request, handle, slug):
    product = product_get_public(handle=handle, slug=slug, user=request.user)
    eligibility = selectors.review_eligibility(user=request.user, product=product)
    if not eligibility.allowed:
        context = {"product": product, "reason": eligibility.reason}
        return render(request, "reviews/not_allowed.html", context, status=403)
    review = selectors.review_of(user=request.user, product_id=product.pk)
    photos = list(review.photos.all()) if review else []
    initial = (
        {"rating": review.rating, "title": review.title, "body": review.body} if review else {}
    )
    form = ReviewForm(
        _posted(request), request.FILES or None, initial=initial, existing_photos=photos
    )
    if request.method == "POST" and form.is_valid():
        try:
            review, created = services.review_write(
                author=request.user, product=product, data=form.review_input()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                "Thank you! Your review is published." if created else "Your review is updated.",
            )
            return redirect(f"{product.get_absolute_url()}#review-{review.pk}")
    return render(
        request,
        "reviews/review_form.html",
        {"form": form, "product": product, "review": review, "photos": photos},
    )


@login_required
@rate_limited("review_helpful", "120/h")
def review_helpful(request, review_id):
    review = selectors.review_get_public(review_id=review_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    htmx = request.headers.get("HX-Request") == "true"
    error = ""
    try:
        review, voted = services.review_helpful_toggle(user=request.user, review=review)
    except ValidationError as exc:
        error, voted = " ".join(exc.messages), False
    if htmx:
        return render(
            request,
            "reviews/partials/helpful.html",
            {"review": review, "voted": voted, "helpful_error": error},
            status=400 if error else 200,
        )
    if error:
        messages.error(request, error)
    elif voted:
        messages.success(request, "Thanks: you marked this review helpful.")
    else:
        messages.info(request, "You took back your helpful mark.")
    return redirect(f"{review.product.get_absolute_url()}#review-{review.pk}")


@login_required
@rate_limited("review_report", "20/h")
def review_report(request, review_id):
    review = selectors.review_get_public(review_id=review_id)
    form = ReportForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.review_report(
                reporter=request.user, review=review, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                "Thanks: our team will look at this review."
                if created
                else "You reported this review already; our team will look at it.",
            )
            return redirect(f"{review.product.get_absolute_url()}#review-{review.pk}")
    return render(request, "reviews/report_form.html", {"form": form, "review": review})


# Creator side ------------------------------------------------------------------------------


@login_required
def studio_reviews(request):
    unanswered = request.GET.get("unanswered") == "1"
    page = Paginator(
        selectors.review_list_for_shop_owner(user=request.user, unanswered=unanswered),
        STUDIO_REVIEWS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    featured_ids = featured_target_ids(
        creator_user_id=request.user.pk, model=Review, ids=[r.pk for r in page.object_list]
    )
    return render(
        request,
        "reviews/studio_reviews.html",
        {"page": page, "unanswered": unanswered, "featured_ids": featured_ids},
    )


@login_required
@rate_limited("review_respond", "60/h")
def review_respond(request, review_id):
    review = selectors.review_get_for_product_owner(user=request.user, review_id=review_id)
    existing = getattr(review, "response", None)
    form = ResponseForm(_posted(request), initial={"body": existing.body if existing else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.review_respond(
                creator_user=request.user, review=review, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, "Your response is updated." if existing else "Your response is published."
            )
            return redirect(f"{review.product.get_absolute_url()}#review-{review.pk}")
    return render(
        request,
        "reviews/respond_form.html",
        {"form": form, "review": review, "existing": existing},
    )


@login_required
@require_POST
@rate_limited("feature", "60/h")
def review_feature(request, review_id):
    """POST action=feature|unfeature: show a review of the creator's product on their page."""
    review = selectors.review_get_for_product_owner(user=request.user, review_id=review_id)
    try:
        featured = services.review_feature(
            creator_user=request.user,
            review=review,
            feature=request.POST.get("action") != "unfeature",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            "The review is on your page, under “From our fans”. We told the fan."
            if featured
            else "The review is no longer featured on your page.",
        )
    return redirect(safe_next(request, review.get_absolute_url()))


# Email preferences -------------------------------------------------------------------------


@login_required
@rate_limited("review_preferences", "30/h")
def preferences(request):
    enabled = not ReviewEmailOptOut.objects.filter(user=request.user).exists()
    form = ReviewEmailPreferencesForm(_posted(request), initial={"review_requests": enabled})
    if request.method == "POST" and form.is_valid():
        enabled = form.cleaned_data["review_requests"]
        services.review_requests_set_enabled(user=request.user, enabled=enabled)
        messages.success(
            request,
            "We’ll invite you to review your orders."
            if enabled
            else "We won’t email you review requests any more.",
        )
        return redirect("reviews:preferences")
    return render(request, "reviews/preferences.html", {"form": form})


@csrf_exempt  # the signed token is the authority; mail clients POST here (RFC 8058)
@rate_limited("review_unsubscribe", "30/h")
def unsubscribe(request, token):
    user_id = requests.unsubscribe_user_id(token)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        raise Http404("This unsubscribe link is not valid.")
    done = False
    if request.method == "POST":
        services.review_requests_set_enabled(user=user, enabled=False)
        done = True
    return render(request, "reviews/unsubscribe.html", {"done": done, "email": user.email})
