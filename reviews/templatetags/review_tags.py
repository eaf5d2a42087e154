"""Reviews on the product page, loaded by shops' template (shops never imports reviews).

`review_summary` renders in the cached part of the page (one aggregate query);
`review_section` feeds the page-cache hole `reviews/partials/review_section.html`, which
is rendered per request with only ids, so it reads what it needs itself: a constant
handful of queries whatever the number of reviews.
"""

from dataclasses import dataclass, field

from django import template
from django.core.paginator import Page, Paginator

from core.paging import KnownCountPaginator
from creators.badges import badges_for_fans
from creators.featuring import featured_target_ids
from creators.models import FanBadge
from reviews import selectors
from reviews.models import Review
from reviews.selectors import Eligibility, ReviewFilters, Sort

register = template.Library()

REVIEWS_PER_PAGE = 10


@register.inclusion_tag("reviews/partials/summary.html", takes_context=True)
def review_summary(context, product):
    return {
        "summary": selectors.review_summary(product_id=product.pk),
        "product": product,
        "request": context.get("request"),
    }


@dataclass
class ReviewSection:
    product_id: int
    page: Page
    filters: ReviewFilters
    sort_choices: list
    is_owner: bool
    user_id: int | None
    eligibility: Eligibility | None
    my_review_id: int | None
    my_review_hidden: bool = False
    badges: dict[int, list[FanBadge]] = field(default_factory=dict)  # by author id
    featured_ids: set[int] = field(default_factory=set)  # the owner's featured reviews

    def badges_of(self, review: Review) -> list[FanBadge]:
        return self.badges.get(review.author_id, [])


@register.simple_tag(takes_context=True)
def review_section(context, product_id, owner_id, review_count) -> ReviewSection:
    """One page of a product's reviews for the request: sort, stars and photo filters and
    the page number come from the query string.

    `review_count` is the product's stored count of visible reviews, which is exact for
    the unfiltered list (the page is re-rendered on every review write), so only a
    filtered list runs a count. Queries: the page (author and response joined, the
    viewer's helpful votes annotated; none without reviews), its photos (one prefetch)
    and, for a signed-in fan, one for their own review and whether they bought it.
    Constant as reviews grow.
    """
    request = context["request"]
    user = request.user
    product_id, owner_id, review_count = int(product_id), int(owner_id), int(review_count)
    filters = ReviewFilters.from_query(request.GET)
    if filters.stars or filters.with_photos:
        reviews = selectors.review_list(product_id=product_id, filters=filters, viewer=user)
        paginator = Paginator(reviews, REVIEWS_PER_PAGE)
    elif review_count:
        reviews = selectors.review_list(product_id=product_id, filters=filters, viewer=user)
        paginator = KnownCountPaginator(reviews, REVIEWS_PER_PAGE, count=review_count)
    else:  # nothing to list: not even a queryset to build
        paginator = KnownCountPaginator(Review.objects.none(), REVIEWS_PER_PAGE, count=0)
    page = paginator.get_page(request.GET.get("page"))
    is_owner = user.is_authenticated and user.pk == owner_id
    eligibility = my_review_id = None
    my_review_hidden = False
    if user.is_authenticated and not is_owner:
        state = selectors.fan_state(user=user, product_id=product_id)
        my_review_id, my_review_hidden = state.review_id, state.review_hidden
        eligibility = selectors.review_eligibility_by_ids(
            user=user, product_id=product_id, owner_id=owner_id, bought=state.bought
        )
    reviews_shown = list(page.object_list)
    page.object_list = reviews_shown
    badges = badges_for_fans(creator_user_id=owner_id, fan_ids=[r.author_id for r in reviews_shown])
    featured_ids = (
        featured_target_ids(
            creator_user_id=owner_id, model=Review, ids=[r.pk for r in reviews_shown]
        )
        if is_owner
        else set()
    )
    return ReviewSection(
        badges=badges,
        featured_ids=featured_ids,
        product_id=product_id,
        page=page,
        filters=filters,
        sort_choices=Sort.CHOICES,
        is_owner=is_owner,
        user_id=user.pk if user.is_authenticated else None,
        eligibility=eligibility,
        my_review_id=my_review_id,
        my_review_hidden=my_review_hidden,
    )
