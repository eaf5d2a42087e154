"""Fan-facing post pages: one post, one creator's posts, and the feed."""

from django.shortcuts import redirect, render
from django.urls import reverse

from creators import fan_activity, feed, selectors, threads
from creators.feed import Cursor
from creators.models import Follow


def _cursor(request):
    token = request.GET.get("cursor")
    cursor = Cursor.decode(token)
    return cursor, bool(token) and cursor is None


def post_detail(request, handle, post_id):
    post = selectors.post_get_public(handle=handle, post_id=post_id, viewer=request.user)
    profile = post.creator.creator_profile
    if profile.handle != handle:
        return redirect(
            reverse("creators:post", kwargs={"handle": profile.handle, "post_id": post.pk}),
            permanent=True,
        )
    following = selectors.follow_exists(follower=request.user, followed_id=profile.user_id)
    can_view = selectors.post_can_view(post=post, viewer=request.user, is_follower=following)
    # The conversation: comments, replies and likes (creators/threads.py).
    conversation_open = can_view and post.is_published
    return render(
        request,
        "creators/post_detail.html",
        {
            "post": post,
            "profile": profile,
            "following": following,
            "can_view": can_view,
            "is_owner": request.user.pk == profile.user_id,
            "conversation_open": conversation_open,
            "thread": threads.thread_for_post(
                post=post, viewer=request.user, page_number=request.GET.get("page")
            )
            if conversation_open
            else None,
            "post_liked": threads.post_liked_by(post=post, viewer=request.user),
        },
    )


def creator_posts(request, handle):
    profile = selectors.creator_get_public(handle=handle)
    if profile.handle != handle:
        return redirect(reverse("creators:posts", kwargs={"handle": profile.handle}))
    cursor, bad_cursor = _cursor(request)
    return render(
        request,
        "creators/creator_posts.html",
        {
            "profile": profile,
            "page": feed.posts_of_creator(user_id=profile.user_id, cursor=cursor),
            "bad_cursor": bad_cursor,
            "following": selectors.follow_exists(
                follower=request.user, followed_id=profile.user_id
            ),
            "is_owner": request.user.pk == profile.user_id,
        },
    )


def feed_page(request):
    """The fan's feed; the discover feed for visitors, fans following nobody, or ?view=discover."""
    cursor, bad_cursor = _cursor(request)
    user = request.user
    follows_anyone = user.is_authenticated and Follow.objects.filter(follower=user).exists()
    view = "following" if follows_anyone and request.GET.get("view") != "discover" else "discover"
    if view == "following":
        page = feed.feed_following(user=user, cursor=cursor)
    else:
        page = feed.feed_discover(cursor=cursor)
    first_page = cursor is None
    suggest = first_page and (view == "discover" or not page.posts)
    return render(
        request,
        "creators/feed.html",
        {
            "page": page,
            "view": view,
            "follows_anyone": follows_anyone,
            "bad_cursor": bad_cursor,
            "first_page": first_page,
            "suggestions": feed.creators_to_follow(user=user) if suggest else [],
            # What the fans this one follows chose to share (purchases…): its own section.
            "people": fan_activity.feed_activity(user=user) if first_page else [],
        },
    )
