"""Who engaged with a creator's posts: the Inbox's "who liked and commented" view."""

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from creators.models import Comment, Post, PostStatus, Reaction, User

RECENT_POSTS = 10


def posts_engagement(*, user: User, limit: int = RECENT_POSTS) -> QuerySet[Post]:
    """The creator's latest published posts with their likes and fan comments counted
    (one query)."""
    fan_comments = Q(comments__deleted_at__isnull=True) & ~Q(comments__author_id=user.pk)
    return (
        Post.objects.filter(creator=user, status=PostStatus.PUBLISHED)
        .annotate(fan_comments=Count("comments", filter=fan_comments, distinct=True))
        .order_by("-published_at", "-id")[:limit]
    )


def post_likers(*, post: Post) -> QuerySet[Reaction]:
    return Reaction.objects.filter(post=post).select_related("user").order_by("-created_at", "-id")


def post_commenters(*, post: Post) -> QuerySet[User]:
    """Fans who commented on the post, most recent first, with how often and whether
    the creator has answered their latest comment."""
    theirs = Comment.objects.filter(
        post=post, author=OuterRef("pk"), deleted_at__isnull=True, parent__isnull=True
    )
    return (
        User.objects.filter(comments__post=post, comments__deleted_at__isnull=True)
        .exclude(pk=post.creator_id)
        .annotate(
            comment_count=Count("comments", filter=Q(comments__post=post), distinct=True),
            last_commented=Max("comments__created_at", filter=Q(comments__post=post)),
            waiting=Exists(theirs.filter(first_response_at__isnull=True, handled_at__isnull=True)),
        )
        .order_by("-last_commented", "-pk")
    )
