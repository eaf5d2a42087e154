"""The follow button, one partial for the creator page, post page and product page."""

from django import template

from creators import selectors

register = template.Library()


@register.inclusion_tag("creators/partials/follow_button.html", takes_context=True)
def follow_button(
    context, profile, following=None, counts=None, next_url="", show_count=True, swap=True
):
    """Follow/unfollow `profile` (an htmx form that also works as a plain POST form).

    Pass `following` and `counts` when the view already has them; otherwise the tag asks
    (one query each). `swap=False` makes it a plain form (the teaser of a followers-only
    post: following should reload the page and show the whole post). Signed-out visitors
    get a sign-in link and no CSRF token, so the signed-out page stays cacheable.
    """
    request = context["request"]
    user = request.user
    if following is None:
        following = selectors.follow_exists(follower=user, followed_id=profile.user_id)
    if counts is None and show_count:
        counts = selectors.follow_counts(user_id=profile.user_id)
    return {
        "request": request,
        "user": user,
        "profile": profile,
        "following": following,
        "counts": counts,
        "show_count": show_count,
        "swap": swap,
        "next_url": next_url or request.get_full_path(),
        "error": context.get("follow_error", ""),
    }
