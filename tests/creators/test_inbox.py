"""The creator's Inbox: what waits for an answer, in which order, reply in place, handled."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from creators import conversation
from creators.models import Comment
from tests.factories import CommentFactory, PostFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db
INBOX = reverse("creators:inbox")


def _ago(hours):
    return timezone.now() - timedelta(hours=hours)


def test_inbox_lists_unanswered_fan_comments_and_questions_oldest_first(
    creator_client, creator, fan
):
    post = PostFactory(creator=creator.user, body="Kiln day", body_html="<p>Kiln day</p>")
    product = ProductFactory(shop=creator.shop, title="Speckled mug")
    newer = CommentFactory(post=post, body="Newer comment", created_at=_ago(1))
    older = CommentFactory(post=post, body="Older comment", created_at=_ago(5))
    question = conversation.comment_create_on_target(
        author=fan, target=product, owner=creator.user, body="Does it fit 400 ml?"
    )
    Comment.objects.filter(pk=question.pk).update(created_at=_ago(3))
    # Not waiting: answered, handled, removed, hidden, the creator's own, someone else's.
    answered = CommentFactory(post=post, body="Answered one", created_at=_ago(9))
    conversation.comment_reply(author=creator.user, parent=answered, body="Thanks")
    CommentFactory(post=post, body="Handled one", handled_at=timezone.now())
    CommentFactory(post=post, body="Removed one", deleted_at=timezone.now())
    CommentFactory(post=post, body="Hidden one", is_hidden=True)
    CommentFactory(post=post, author=creator.user, body="My own note")
    CommentFactory(body="Other creator’s comment")
    fan_reply_only = CommentFactory(post=post, body="Fan replied only", created_at=_ago(2))
    conversation.comment_reply(author=UserFactory(), parent=fan_reply_only, body="me too")

    html = creator_client.get(INBOX).content.decode()
    order = ["Older comment", "Does it fit 400 ml?", "Fan replied only", "Newer comment"]
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions)
    for text in ("Answered one", "Handled one", "Removed one", "Hidden one", "My own note"):
        assert text not in html
    assert "Other creator" not in html
    assert "4 waiting" in html
    assert f'href="{product.get_absolute_url()}#comment-{question.pk}"' in html
    assert "Speckled mug" in html and "Kiln day" in html
    assert older.pk and newer.pk


def test_reply_in_place_with_htmx_answers_and_removes_from_inbox(creator_client, creator):
    post = PostFactory(creator=creator.user)
    comment = CommentFactory(post=post, body="When is the next drop?")
    response = creator_client.post(
        reverse("creators:comment_reply", args=[comment.pk]),
        {"body": "Friday at noon!", "from": "inbox"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Replied" in response.content.decode()
    comment.refresh_from_db()
    assert comment.first_response_at is not None
    assert comment.replies.get().body == "Friday at noon!"
    assert "When is the next drop?" not in creator_client.get(INBOX).content.decode()


def test_reply_in_place_shows_errors_in_the_item(creator_client, creator):
    comment = CommentFactory(post=PostFactory(creator=creator.user))
    response = creator_client.post(
        reverse("creators:comment_reply", args=[comment.pk]),
        {"body": "  ", "from": "inbox"},
        HTTP_HX_REQUEST="true",
    )
    assert "can’t be empty" in response.content.decode()
    assert not comment.replies.exists()


def test_plain_reply_from_inbox_goes_back_to_inbox(creator_client, creator):
    comment = CommentFactory(post=PostFactory(creator=creator.user))
    response = creator_client.post(
        reverse("creators:comment_reply", args=[comment.pk]),
        {"body": "Thanks!", "from": "inbox", "next": INBOX},
    )
    assert response.status_code == 302 and response["Location"].startswith(INBOX)


def test_mark_handled_htmx_and_plain(creator_client, creator):
    post = PostFactory(creator=creator.user)
    first, second = CommentFactory(post=post), CommentFactory(post=post)
    url = reverse("creators:comment_handled", args=[first.pk])
    response = creator_client.post(url, HTTP_HX_REQUEST="true")
    assert "Marked as handled" in response.content.decode()
    response = creator_client.post(reverse("creators:comment_handled", args=[second.pk]))
    assert response.status_code == 302 and response["Location"] == INBOX
    first.refresh_from_db(), second.refresh_from_db()
    assert first.handled_at and second.handled_at and first.first_response_at is None
    assert "All caught up" in creator_client.get(INBOX).content.decode()


def test_inbox_actions_are_creator_only(fan_client, creator):
    comment = CommentFactory(post=PostFactory(creator=creator.user))
    url = reverse("creators:comment_handled", args=[comment.pk])
    assert fan_client.post(url).status_code == 404
    comment.refresh_from_db()
    assert comment.handled_at is None
    # A fan without a shop is sent to open one; the Inbox never shows another's comments.
    response = fan_client.get(INBOX)
    assert response.status_code == 302 and response["Location"] == reverse("shops:open")


def test_inbox_needs_sign_in(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_inbox_query_count_is_constant(creator_client, creator, django_assert_max_num_queries):
    post = PostFactory(creator=creator.user)
    CommentFactory(post=post)
    conversation.comment_create_on_target(
        author=UserFactory(),
        target=ProductFactory(shop=creator.shop),
        owner=creator.user,
        body="Question",
    )
    with django_assert_max_num_queries(12) as few:
        creator_client.get(INBOX)
    for n in range(30):
        CommentFactory(post=PostFactory(creator=creator.user))
        conversation.comment_create_on_target(
            author=UserFactory(),
            target=ProductFactory(shop=creator.shop),
            owner=creator.user,
            body=f"Question {n}",
        )
    # session, user, profile, count, page (+author, post), products (+shop, creator),
    # header profile, cart: the same for 2 or 62 waiting.
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = creator_client.get(INBOX).content.decode()
    assert html.count('<li class="inbox-item') == 25


def test_studio_shows_how_many_wait_in_the_inbox(creator_client, creator):
    post = PostFactory(creator=creator.user)
    CommentFactory.create_batch(2, post=post)
    html = creator_client.get(reverse("creators:studio")).content.decode()
    assert "2 waiting" in html
