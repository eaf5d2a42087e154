"""Reviews on the product page, loaded by shops' template (shops never imports reviews).

`review_summary` renders in the cached part of the page (one aggregate query);
`review_section` feeds the page-cache hole `reviews/partials/review_section.html`, which
is rendered per request with only ids, so it reads what it needs itself: a constant
handful of queries whatever the number of reviews.
"""

from dataclasses import dataclass

from django import template
from django.core.paginator import Page, Paginator

from reviews import selectors
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
    voted: set[int]
    is_owner: bool
    user_id: int | None
    eligibility: Eligibility | None
    my_review_id: int | None
    my_review_hidden: bool = False


@register.simple_tag(takes_context=True)
def review_section(context, product_id, owner_id) -> ReviewSection:
    """One page of a product's reviews for the request: sort, stars and photo filters and
    the page number come from the query string.

    Queries: the paginator's count, the page (author and response joined), its photos
    (one prefetch) and, for a signed-in fan, their helpful votes on the page, their own
    review and whether they bought it. Constant as reviews grow.
    """
    request = context["request"]
    user = request.user
    product_id, owner_id = int(product_id), int(owner_id)
    filters = ReviewFilters.from_query(request.GET)
    page = Paginator(
        selectors.review_list(product_id=product_id, filters=filters), REVIEWS_PER_PAGE
    ).get_page(request.GET.get("page"))
    is_owner = user.is_authenticated and user.pk == owner_id
    eligibility = my_review_id = None
    my_review_hidden = False
    if user.is_authenticated and not is_owner:
        mine = selectors.review_state_of(user=user, product_id=product_id)
        my_review_id, my_review_hidden = mine or (None, False)
        if my_review_id is None:
            eligibility = selectors.review_eligibility_by_ids(
                user=user, product_id=product_id, owner_id=owner_id
            )
    return ReviewSection(
        product_id=product_id,
        page=page,
        filters=filters,
        sort_choices=Sort.CHOICES,
        voted=selectors.helpful_review_ids(
            user=user, review_ids=[review.pk for review in page.object_list]
        ),
        is_owner=is_owner,
        user_id=user.pk if user.is_authenticated else None,
        eligibility=eligibility,
        my_review_id=my_review_id,
        my_review_hidden=my_review_hidden,
    )


@register.filter
def contains(collection, item) -> bool:
    return item in collection
