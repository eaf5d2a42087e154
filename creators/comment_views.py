"""HTTP for the conversation: comment, reply, edit, delete, like, report, moderate, and the
creator's Inbox. Every form works as a plain POST; likes and Inbox actions also answer
htmx with the partial they replace."""

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.http import form_id, is_htmx, login_redirect, safe_next
from core.ratelimits import Rate, rate_limit_consume, rate_limited
from creators import conversation, engagement, moderation, selectors, threads
from creators.models import Comment, Post, User
from creators.report_views import report_page
from creators.studio_access import start_selling_redirect

COMMENT_RATE = Rate.parse("20/10m")
REACTION_RATE = "300/h"
REPORT_RATE = "30/h"
ENGAGED_PER_PAGE = 50


def _comment_rate_message(request) -> str:
    retry_after = rate_limit_consume(request=request, action="comment", rate=COMMENT_RATE)
    if not retry_after:
        return ""
    minutes = math.ceil(retry_after / 60)
    return (
        "You’re commenting very fast. Please wait "
        f"{minutes} minute{'s' if minutes != 1 else ''} before posting again."
    )


def _location(comment: Comment) -> str:
    return comment.get_absolute_url().split("#")[0]


def comment_submit(request, *, back_url: str, save, heading: str, success: str) -> HttpResponse:
    """Run `save(body)` for a posted comment form: redirect to the new comment, or show the
    form again with the text kept and a clear message (rate limit, empty, too long…).
    Signed-out visitors go to sign in and come back to `back_url`."""
    if not request.user.is_authenticated:
        return login_redirect(request, back_url)
    body = request.POST.get("body", "")
    error = _comment_rate_message(request)
    status = 429 if error else 400
    if not error:
        try:
            comment = save(body)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, success)
            return redirect(f"{back_url.split('#')[0]}#comment-{comment.pk}")
    return render(
        request,
        "creators/comment_form_page.html",
        {"heading": heading, "error": error, "body": body, "back_url": back_url},
        status=status,
    )


@require_POST
def post_comment(request, handle, post_id):
    post = selectors.post_get_public(handle=handle, post_id=post_id, viewer=request.user)
    return comment_submit(
        request,
        back_url=reverse("creators:post", kwargs={"handle": handle, "post_id": post.pk}),
        save=lambda body: conversation.comment_create_on_post(
            author=request.user, post=post, body=body
        ),
        heading="Your comment",
        success="Your comment is posted.",
    )


@require_POST
def comment_reply(request, comment_id):
    parent = threads.comment_get_visible(viewer=request.user, comment_id=comment_id)
    if not request.user.is_authenticated:
        return login_redirect(request, _location(parent))
    if is_htmx(request) and request.POST.get("from") == "inbox":
        return _inbox_reply(request, parent)
    return comment_submit(
        request,
        back_url=safe_next(request, _location(parent)),
        save=lambda body: conversation.comment_reply(author=request.user, parent=parent, body=body),
        heading="Your reply",
        success="Your reply is posted.",
    )


@login_required
def comment_edit(request, comment_id):
    comment = threads.comment_get_for_author(user=request.user, comment_id=comment_id)
    back_url = _location(comment)
    if not conversation.comment_can_edit(comment):
        messages.error(
            request, "Comments can be edited for 15 minutes after posting; this one’s time is up."
        )
        return redirect(f"{back_url}#comment-{comment.pk}")
    if request.method == "POST":
        return comment_submit(
            request,
            back_url=back_url,
            save=lambda body: conversation.comment_update(comment=comment, body=body),
            heading="Edit your comment",
            success="Your comment is updated.",
        )
    return render(
        request,
        "creators/comment_form_page.html",
        {"heading": "Edit your comment", "body": comment.body, "back_url": back_url},
    )


@require_POST
def comment_delete(request, comment_id):
    comment = threads.comment_get_for_author(user=request.user, comment_id=comment_id)
    conversation.comment_delete(comment=comment)
    messages.success(request, "Your comment is removed.")
    return redirect(f"{_location(comment)}#comment-{comment.pk}")


# Likes -------------------------------------------------------------------------------------


def _like(request, *, target, url: str, back_url: str, label: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return login_redirect(request, back_url)
    action = request.POST.get("action", "")
    kwargs = {"post": target} if isinstance(target, Post) else {"comment": target}
    error = ""
    try:
        if action == "like":
            conversation.reaction_add(user=request.user, **kwargs)
        elif action == "unlike":
            conversation.reaction_remove(user=request.user, **kwargs)
        else:
            error = "Choose to like or unlike."
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(safe_next(request, back_url))
    target.refresh_from_db(fields=["reaction_count"])
    return render(
        request,
        "creators/partials/like_button.html",
        {
            "like_url": url,
            "liked": type(target)
            .objects.filter(pk=target.pk, reactions__user=request.user)
            .exists(),
            "count": target.reaction_count,
            "label": label,
            "next_url": safe_next(request, back_url),
            "like_error": error,
        },
        status=400 if error and action not in ("like", "unlike") else 200,
    )


@require_POST
@rate_limited("reaction", REACTION_RATE)
def post_like(request, handle, post_id):
    post = selectors.post_get_public(handle=handle, post_id=post_id, viewer=request.user)
    back_url = reverse("creators:post", kwargs={"handle": handle, "post_id": post.pk})
    following = selectors.follow_exists(follower=request.user, followed_id=post.creator_id)
    if request.user.is_authenticated and not selectors.post_can_view(
        post=post, viewer=request.user, is_follower=following
    ):
        messages.error(request, "This post is for followers only: follow to like it.")
        return redirect(back_url)
    url = reverse("creators:post_like", kwargs={"handle": handle, "post_id": post.pk})
    return _like(request, target=post, url=url, back_url=back_url, label="post")


@require_POST
@rate_limited("reaction", REACTION_RATE)
def comment_like(request, comment_id):
    comment = threads.comment_get_visible(viewer=request.user, comment_id=comment_id)
    url = reverse("creators:comment_like", kwargs={"comment_id": comment.pk})
    back_url = f"{_location(comment)}#comment-{comment.pk}"
    return _like(request, target=comment, url=url, back_url=back_url, label="comment")


# Reports -----------------------------------------------------------------------------------


def _report(request, *, back_url: str, what: str, **target) -> HttpResponse:
    def submit(*, reason, details):
        moderation.report_create(reporter=request.user, reason=reason, details=details, **target)

    return report_page(request, back_url=back_url, what=what, submit=submit)


@login_required
@rate_limited("report", REPORT_RATE)
def comment_report(request, comment_id):
    comment = threads.comment_get_visible(viewer=request.user, comment_id=comment_id)
    back_url = f"{_location(comment)}#comment-{comment.pk}"
    return _report(request, back_url=back_url, what="comment", comment=comment)


@login_required
@rate_limited("report", REPORT_RATE)
def post_report(request, handle, post_id):
    post = selectors.post_get_public(handle=handle, post_id=post_id, viewer=request.user)
    back_url = reverse("creators:post", kwargs={"handle": handle, "post_id": post.pk})
    return _report(request, back_url=back_url, what="post", post=post)


# The creator's moderation and Inbox ---------------------------------------------------------

_MODERATION_NOTICES = {
    "hide": "The comment is hidden: only you and our staff can see it.",
    "unhide": "The comment is visible again.",
    "block": "{name} can no longer comment on your posts and products.",
    "unblock": "{name} can comment on your posts and products again.",
}


@require_POST
def comment_moderate(request, comment_id):
    """POST action=hide|unhide|block|unblock, by the creator whose content it is."""
    comment = threads.comment_get_for_creator(user=request.user, comment_id=comment_id)
    action = request.POST.get("action", "")
    try:
        if action in ("hide", "unhide"):
            moderation.comment_set_hidden(comment=comment, hidden=action == "hide")
        elif action == "block":
            moderation.block_create(creator=request.user, blocked=comment.author)
        elif action == "unblock":
            moderation.block_delete(creator=request.user, blocked_id=comment.author_id)
        else:
            raise ValidationError("Choose to hide, show or block.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        name = comment.author.name or "This fan"
        messages.success(request, _MODERATION_NOTICES[action].format(name=name))
    return redirect(safe_next(request, f"{_location(comment)}#comment-{comment.pk}"))


@login_required
def studio_inbox(request):
    profile = selectors.creator_profile_of(request.user)
    if profile is None:
        return start_selling_redirect(request)
    page = threads.inbox_page(user=request.user, page_number=request.GET.get("page"))
    recent = engagement.posts_engagement(user=request.user)
    return render(
        request,
        "creators/studio_inbox.html",
        {"profile": profile, "page": page, "recent_posts": recent},
    )


@login_required
def studio_post_engagement(request, post_id):
    """Who liked and who commented on one of the creator's posts (404 for anyone else)."""
    post = selectors.post_get_for_owner(user=request.user, post_id=post_id)
    likers = Paginator(engagement.post_likers(post=post), ENGAGED_PER_PAGE).get_page(
        request.GET.get("likes_page")
    )
    commenters = Paginator(engagement.post_commenters(post=post), ENGAGED_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "creators/studio_post_engagement.html",
        {"post": post, "likers": likers, "commenters": commenters},
    )


def _inbox_item(request, comment, **extra) -> HttpResponse:
    profile = selectors.creator_profile_of(request.user)
    context = {"comment": comment, "profile": profile, "next_url": reverse("creators:inbox")}
    return render(request, "creators/partials/inbox_item.html", {**context, **extra})


def _inbox_reply(request, parent: Comment) -> HttpResponse:
    body = request.POST.get("body", "")
    error = _comment_rate_message(request)
    if not error:
        try:
            reply = conversation.comment_reply(author=request.user, parent=parent, body=body)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return _inbox_item(request, parent, reply=reply)
    return _inbox_item(request, parent, error=error, body=body)


@require_POST
def comment_handled(request, comment_id):
    comment = threads.comment_get_for_creator(user=request.user, comment_id=comment_id)
    conversation.comment_mark_handled(comment=comment)
    if is_htmx(request):
        return _inbox_item(request, comment, handled=True)
    messages.success(request, "Marked as handled: it has left your Inbox.")
    return redirect(safe_next(request, reverse("creators:inbox")))


@login_required
def studio_blocked(request):
    profile = selectors.creator_profile_of(request.user)
    if profile is None:
        return start_selling_redirect(request)
    if request.method == "POST":
        blocked = get_object_or_404(User, pk=form_id(request.POST.get("user")) or 0)
        if moderation.block_delete(creator=request.user, blocked_id=blocked.pk):
            name = blocked.name or "The fan"
            messages.success(request, f"{name} can comment on your posts and products again.")
        return redirect("creators:blocked")
    return render(
        request,
        "creators/studio_blocked.html",
        {"profile": profile, "blocks": threads.blocks_of(user=request.user)},
    )
