"""Every interaction of the social and reviews features reaches the right person, once.

Each test goes through the feature's own service, as the pages do, and lets the
engagement pipeline run on commit (tasks in-process).
"""

from decimal import Decimal

import pytest

from creators import conversation, moderation
from creators.follows import follow_create
from creators.models import Block, EventKind, Notification, NotificationChannel
from creators.posts import PostAction, post_create
from reviews import services as reviews
from tests.factories import ProductFactory, UserFactory, paid_order_of

pytestmark = pytest.mark.django_db


def bell(user):
    return Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a use case and its on-commit dispatch, as a request would."""

    def run(use_case, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return use_case(*args, **kwargs)

    return run


@pytest.fixture
def post(creator, committed):
    return committed(post_create, author=creator.user, body="New glazes today", action="publish")


def test_a_comment_tells_the_creator_and_links_to_it(creator, fan, post, committed):
    comment = committed(conversation.comment_create_on_post, author=fan, post=post, body="Love it")
    note = bell(creator.user).get(kind=EventKind.COMMENT)
    assert note.event.target == comment
    assert not bell(fan).exists()


def test_the_creators_reply_tells_the_fan_they_answered(creator, fan, post, committed):
    comment = committed(conversation.comment_create_on_post, author=fan, post=post, body="Kiln?")
    committed(conversation.comment_reply, author=creator.user, parent=comment, body="Gas kiln")
    assert bell(fan).filter(kind=EventKind.CREATOR_REPLY).count() == 1
    assert not bell(creator.user).filter(kind=EventKind.CREATOR_REPLY).exists()


def test_a_fans_reply_tells_the_author_of_the_comment(creator, fan, post, committed):
    comment = committed(conversation.comment_create_on_post, author=fan, post=post, body="Kiln?")
    other = UserFactory()
    committed(conversation.comment_reply, author=other, parent=comment, body="Same question")
    assert bell(fan).filter(kind=EventKind.REPLY).count() == 1


def test_a_question_on_a_product_tells_the_creator(creator, fan, committed):
    mug = ProductFactory(shop=creator.shop)
    committed(
        conversation.comment_create_on_target,
        author=fan,
        target=mug,
        owner=creator.user,
        body="Is it microwave safe?",
    )
    assert bell(creator.user).filter(kind=EventKind.QUESTION).count() == 1


def test_likes_notify_nobody(creator, fan, post, committed):
    committed(conversation.reaction_add, user=fan, post=post)
    assert not Notification.objects.filter(kind=EventKind.REACTION).exists()


def test_hiding_a_comment_withdraws_its_unread_notification(creator, fan, post, committed):
    comment = committed(conversation.comment_create_on_post, author=fan, post=post, body="spam")
    assert bell(creator.user).exists()
    committed(moderation.comment_set_hidden, comment=comment, hidden=True)
    assert not bell(creator.user).exists()


def test_a_new_post_reaches_followers_but_not_blocked_fans(creator, committed):
    loyal, blocked = UserFactory(), UserFactory()
    for fan in (loyal, blocked):
        committed(follow_create, follower=fan, followed=creator.user)
    Block.objects.create(creator=creator.user, blocked=blocked)
    committed(post_create, author=creator.user, body="Spring drop", action=PostAction.PUBLISH)
    assert bell(loyal).filter(kind=EventKind.POST_PUBLISHED).count() == 1
    assert not bell(blocked).filter(kind=EventKind.POST_PUBLISHED).exists()


def test_a_review_tells_the_creator_once_and_the_response_tells_the_reviewer(
    creator, fan, committed
):
    mug = ProductFactory(shop=creator.shop, price=Decimal("20.00"))
    paid_order_of(buyer=fan, product=mug)
    write, data = reviews.review_write, reviews.ReviewInput
    review, _ = committed(write, author=fan, product=mug, data=data(rating=4, title="Nice"))
    committed(write, author=fan, product=mug, data=data(rating=5, title="Even nicer"))
    assert bell(creator.user).filter(kind=EventKind.REVIEW).count() == 1  # edits are not news
    committed(reviews.review_respond, creator_user=creator.user, review=review, body="Thanks!")
    assert bell(fan).filter(kind=EventKind.REVIEW_RESPONSE).count() == 1
