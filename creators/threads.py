"""Reads for the conversation: a post's or product's thread, the creator's Inbox, accessors.

A thread page costs a constant number of queries however many comments it has: count and
page of top-level comments (authors joined), their replies in one prefetch, the authors'
fan badges with the creator in one, and the viewer's likes among them in one more (for
the creator, which comments they feature in one more).
"""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from core.paging import KnownCountPaginator
from creators import comment_targets
from creators.badges import badges_for_fans
from creators.featuring import featured_target_ids
from creators.models import Block, Comment, FanBadge, Post, Reaction, User
from creators.selectors import follow_exists, viewer_standing

COMMENTS_PER_PAGE = 50
INBOX_PER_PAGE = 25


def can_moderate(*, viewer: User, owner_id: int) -> bool:
    """The content's creator and staff see hidden comments (marked) and moderate."""
    return viewer.is_authenticated and (viewer.pk == owner_id or viewer.is_staff)


def _visible(qs: QuerySet[Comment], *, moderator: bool) -> QuerySet[Comment]:
    return qs if moderator else qs.filter(is_hidden=False)


@dataclass
class Thread:
    page: Page
    owner_id: int
    moderator: bool
    liked_ids: set[int] = field(default_factory=set)
    blocked: bool = False
    badges: dict[int, list[FanBadge]] = field(default_factory=dict)  # by author id
    featured_ids: set[int] | None = None  # for the creator: comments on their page
    # How many top-level comments any non-moderator sees: the same for every fan, so a
    # cached page carries it to its questions hole (None for a moderator's thread).
    shown_count: int | None = None

    def badges_of(self, comment: Comment) -> list[FanBadge]:
        return self.badges.get(comment.author_id, [])

    @property
    def comments(self) -> list[Comment]:
        return self.page.object_list


def _top_level_shown(subject: Q, *, moderator: bool) -> QuerySet[Comment]:
    replies = _visible(Comment.objects.all(), moderator=moderator)
    live_replies = replies.filter(parent=OuterRef("pk"), deleted_at__isnull=True)
    return (
        _visible(Comment.objects.filter(subject, parent__isnull=True), moderator=moderator)
        # A removed comment stays only as long as it holds live replies together.
        .filter(Q(deleted_at__isnull=True) | Exists(live_replies))
    )


def _blocked(viewer: User, owner_id: int) -> bool:
    """The creator blocked the viewer: no forms for them in the creator's threads."""
    return (
        viewer.is_authenticated
        and viewer.pk != owner_id
        and viewer_standing(viewer=viewer, creator_id=owner_id).blocked
    )


def _thread(
    *, subject: Q, owner_id: int, viewer: User, page_number, count: int | None = None
) -> Thread:
    """`count`, when the caller knows it, saves the COUNT (and, at 0, building the page)."""
    moderator = can_moderate(viewer=viewer, owner_id=owner_id)
    if count == 0:  # told, not counted: even an empty queryset's count() is compiled
        page = KnownCountPaginator([], COMMENTS_PER_PAGE, count=0).get_page(page_number)
        return Thread(
            page=page, owner_id=owner_id, moderator=moderator, blocked=_blocked(viewer, owner_id)
        )
    replies = _visible(Comment.objects.all(), moderator=moderator)
    top = (
        _top_level_shown(subject, moderator=moderator)
        .select_related("author__creator_profile")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=replies.select_related("author__creator_profile").order_by(
                    "created_at", "id"
                ),
                to_attr="thread_replies",
            )
        )
        .order_by("created_at", "id")
    )
    paginator = (
        Paginator(top, COMMENTS_PER_PAGE)
        if count is None
        else KnownCountPaginator(top, COMMENTS_PER_PAGE, count=count)
    )
    page = paginator.get_page(page_number)
    page.object_list = list(page.object_list)
    thread = Thread(page=page, owner_id=owner_id, moderator=moderator)
    shown = [*page.object_list, *(r for c in page.object_list for r in c.thread_replies)]
    thread.badges = badges_for_fans(creator_user_id=owner_id, fan_ids=[c.author_id for c in shown])
    if viewer.is_authenticated:
        ids = [c.pk for c in shown]
        if ids and viewer.pk == owner_id:
            thread.featured_ids = featured_target_ids(
                creator_user_id=owner_id, model=Comment, ids=[c.pk for c in shown if c.post_id]
            )
        if ids:
            thread.liked_ids = set(
                Reaction.objects.filter(user=viewer, comment_id__in=ids).values_list(
                    "comment_id", flat=True
                )
            )
    thread.blocked = _blocked(viewer, owner_id)
    return thread


def thread_for_post(*, post: Post, viewer: User, page_number=None) -> Thread:
    return _thread(
        subject=Q(post=post), owner_id=post.creator_id, viewer=viewer, page_number=page_number
    )


def thread_for_target(
    *,
    target: models.Model,
    owner_id: int,
    viewer: User,
    page_number=None,
    shown_count: int | None = None,
) -> Thread:
    """The questions on another app's object (a product) owned by the user `owner_id`."""
    target_type = ContentType.objects.get_for_model(target)
    subject = Q(target_type=target_type, target_id=target.pk)
    moderator = can_moderate(viewer=viewer, owner_id=owner_id)
    # Counted first for a fan: at 0 there is no page of comments to ask for (`_thread`).
    # `shown_count` is that count when the caller has it (a cached page's marker).
    if moderator:
        count = None
    elif shown_count is None:
        count = _top_level_shown(subject, moderator=False).count()
    else:
        count = shown_count
    thread = _thread(
        subject=subject, owner_id=owner_id, viewer=viewer, page_number=page_number, count=count
    )
    thread.shown_count = count
    return thread


def post_liked_by(*, post: Post, viewer: User) -> bool:
    if not viewer.is_authenticated:
        return False
    return Reaction.objects.filter(user=viewer, post=post).exists()


# Accessors: one per kind of permission, each 404s for everyone else -----------------------


def _comment(comment_id: int) -> QuerySet[Comment]:
    return Comment.objects.filter(pk=comment_id).select_related(
        "post__creator__creator_profile", "author", "target_type"
    )


def _one_or_404(user: User, comments: QuerySet[Comment]) -> Comment:
    comment = comments.first() if user.is_authenticated else None
    if comment is None:
        raise Http404("No comment here.")
    return comment


def comment_get_for_author(*, user: User, comment_id: int) -> Comment:
    """The viewer's own comment (edit, delete); anyone else gets a 404."""
    return _one_or_404(user, _comment(comment_id).filter(author_id=user.pk))


def comment_get_for_creator(*, user: User, comment_id: int) -> Comment:
    """A comment on the viewer's own post or product (hide, handle, block its author)."""
    return _one_or_404(user, _comment(comment_id).filter(creator_id=user.pk))


def comment_get_visible(*, viewer: User, comment_id: int) -> Comment:
    """A comment the viewer may see (reply, like, report). Hidden ones only for the
    creator and staff; on unpublished posts only for the author, on followers-only posts
    only for followers; on another subject (a product) only while its page is public."""
    comment = _comment(comment_id).filter(creator__is_active=True).first()
    if comment is None:
        raise Http404("No comment here.")
    moderator = can_moderate(viewer=viewer, owner_id=comment.creator_id)
    if comment.is_hidden and not moderator:
        raise Http404("No comment here.")
    post = comment.post
    if post is None and not moderator and not comment_targets.is_public(comment.target):
        raise Http404("No comment here.")  # a question on a draft product names nothing
    if post is not None and not moderator:
        if not post.is_published:
            raise Http404("No comment here.")
        if post.is_followers_only and not (
            follow_exists(follower=viewer, followed_id=post.creator_id)
        ):
            raise Http404("No comment here.")
    return comment


# The creator's Inbox --------------------------------------------------------------------


def inbox_for_creator(*, user: User) -> QuerySet[Comment]:
    """Fans' top-level comments and questions on `user`'s content still waiting for an
    answer: no creator reply, not marked handled, not removed or hidden. Oldest first."""
    return (
        Comment.objects.filter(
            creator=user,
            parent__isnull=True,
            first_response_at__isnull=True,
            handled_at__isnull=True,
            deleted_at__isnull=True,
            is_hidden=False,
        )
        .exclude(author=user)
        .select_related("author__creator_profile", "post")
        .order_by("created_at", "id")
    )


def inbox_page(*, user: User, page_number=None) -> Page:
    """One page of the Inbox, products (or other targets) loaded with one query per kind."""
    page = Paginator(inbox_for_creator(user=user), INBOX_PER_PAGE).get_page(page_number)
    page.object_list = list(page.object_list)
    models.prefetch_related_objects(page.object_list, comment_targets.target_prefetch())
    return page


def blocks_of(*, user: User) -> QuerySet[Block]:
    return Block.objects.filter(creator=user).select_related("blocked__creator_profile")
