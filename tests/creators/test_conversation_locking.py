"""Racing likes and creator replies (PostgreSQL: SQLite serialises writers anyway)."""

import pytest

from creators import conversation
from creators.models import Comment, EngagementEvent, EventKind, Post, Reaction
from tests.factories import CommentFactory, PostFactory, UserFactory
from tests.races import race

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]


def test_racing_likes_count_each_fan_once():
    post = PostFactory()
    fans = UserFactory.create_batch(6)
    same = fans[0]
    # Six fans like at once, and the first fan double-clicks three more times.
    actions = [lambda u=u: conversation.reaction_add(user=u, post=post) for u in fans]
    actions += [lambda: conversation.reaction_add(user=same, post=post)] * 3
    assert race(actions) == []
    assert Reaction.objects.filter(post=post).count() == 6
    assert Post.objects.get(pk=post.pk).reaction_count == 6
    assert EngagementEvent.objects.filter(kind=EventKind.REACTION).count() == 6


def test_racing_creator_replies_stamp_first_response_once():
    comment = CommentFactory()
    owner = comment.creator
    errors = race(
        [
            lambda n=n: conversation.comment_reply(
                author=owner, parent=Comment.objects.get(pk=comment.pk), body=f"answer {n}"
            )
            for n in range(4)
        ]
    )
    assert errors == []
    comment.refresh_from_db()
    first = Comment.objects.filter(parent=comment).order_by("created_at").first()
    assert comment.first_response_at == first.created_at
    events = EngagementEvent.objects.filter(kind=EventKind.CREATOR_REPLY)
    assert events.count() == 4
    assert sum("response_seconds" in e.payload for e in events) == 1
