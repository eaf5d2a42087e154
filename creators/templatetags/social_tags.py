"""The follow button, one partial for the creator page, post page and product page."""

from functools import partial
from types import SimpleNamespace

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from core import pagecache
from creators import feed, selectors
from creators.page_cache import creator_scope
from creators.views import LATEST_POSTS

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


# Holes of the page cache (core/pagecache.py): the cached creator and product pages
# leave these per-viewer parts out and render them per request. What they show besides
# "does this viewer follow" (handle, name, follower count) is the same for everyone and
# comes with the marker, stale with the page when the creator's scope is touched; so a
# replay asks one question of the database for both holes of a page.


def _viewer_follows(request, creator_id: int) -> bool:
    return selectors.viewer_standing(viewer=request.user, creator_id=creator_id).follows


@register.inclusion_tag("creators/partials/follow_button.html", takes_context=True)
def follow_button_for(context, creator_id, handle, name, followers="0", show_count="1"):
    """The follow button of the creator whose user id is `creator_id`."""
    creator_id = int(creator_id)
    profile = SimpleNamespace(user_id=creator_id, handle=handle, display_name=name)
    return follow_button(
        context,
        profile,
        following=_viewer_follows(context["request"], creator_id),
        counts={"followers": int(followers or 0)},
        show_count=str(show_count) == "1",
    )


@register.simple_tag(takes_context=True)
def creator_latest_posts(context, creator_id, handle):
    """The creator page's latest posts, as this viewer may see them (followers-only
    posts are teasers unless they follow). The same for every viewer who follows (or
    doesn't), so it is a shared fragment, stale when the creator's pages are touched."""

    request = context["request"]
    creator_id = int(creator_id)
    following = _viewer_follows(request, creator_id)
    is_owner = request.user.pk == creator_id

    page_profile = context.get("profile")

    def render() -> str:
        profile = page_profile
        if profile is None or profile.user_id != creator_id:
            profile = selectors.creator_profile_by_user_id(creator_id)
        posts = feed.posts_of_creator(user_id=creator_id, cursor=None, per_page=LATEST_POSTS)
        part = {"profile": profile, "is_owner": is_owner, "following": following}
        part["latest_posts"] = posts
        return render_to_string("creators/partials/creator_posts.html", part, request=request)

    viewer = f"{request.user.is_authenticated}:{following}:{is_owner}"
    name = f"creator-posts:{creator_id}:{viewer}:{request.get_full_path()}"
    scopes = [creator_scope(handle)]
    return mark_safe(pagecache.shared_fragment(request, name=name, scopes=scopes, render=render))  # noqa: S308


@register.simple_tag(takes_context=True)
def post_cards(context, posts, viewer_follows_all=False, following=False, is_owner=False):
    """The cards of a list of posts (feed, creator pages), each a shared fragment: a card
    is the same for everyone who may read the post (or everyone who gets its teaser), so
    a page of 20 renders only the cards it has not met since the creator last changed."""

    request = context["request"]
    signed_in = request.user.is_authenticated

    def render(post, can_view) -> str:
        card = {"post": post, "can_view": can_view}
        return render_to_string("creators/partials/post_card.html", card, request=request)

    items = []
    for post in posts:
        can_view = bool(viewer_follows_all or following or is_owner or post.visibility == "public")
        # A teaser's follow button comes back to this page, and differs signed out.
        name = f"post-card:{post.pk}:{post.updated_at.isoformat()}:{can_view}:{signed_in}"
        if not can_view:
            name += ":" + request.get_full_path()
        scopes = [creator_scope(post.creator.creator_profile.handle)]
        items.append((name, scopes, partial(render, post, can_view)))
    cards = pagecache.shared_fragments(request, items)
    return mark_safe("".join(f"<li>{card}</li>" for card in cards))  # noqa: S308 - our HTML
