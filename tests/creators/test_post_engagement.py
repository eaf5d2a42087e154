"""Who engaged: the creator sees who liked and who commented on each post."""

import pytest
from django.urls import reverse

from creators import conversation
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(creator):
    return PostFactory(creator=creator.user, body="Spring glazes are in")


def url(post):
    return reverse("creators:post_engagement", args=[post.pk])


def test_the_creator_sees_who_liked_and_who_commented(creator_client, creator, post):
    ana, li = UserFactory(name="Ana"), UserFactory(name="Li")
    conversation.reaction_add(user=ana, post=post)
    conversation.reaction_add(user=li, post=post)
    CommentFactory(post=post, author=li, body="Which clay?")
    CommentFactory(post=post, author=li, body="And the kiln?")
    CommentFactory(post=post, author=creator.user, body="My own note")
    page = creator_client.get(url(post)).content.decode()
    assert 'Liked <span class="muted">(2)</span>' in page
    assert 'Commented <span class="muted">(1)</span>' in page  # the creator is not a fan
    assert "2 comments" in page and "Waiting for your answer" in page
    assert "Ana" in page and "Li" in page


def test_another_user_gets_404(client, post):
    client.force_login(UserFactory())
    assert client.get(url(post)).status_code == 404


def test_the_inbox_lists_the_latest_posts_with_their_engagement(creator_client, post):
    for fan in UserFactory.create_batch(3):
        conversation.reaction_add(user=fan, post=post)
    CommentFactory(post=post, body="Love it")
    page = creator_client.get(reverse("creators:inbox")).content.decode()
    assert "Who engaged with your latest posts" in page
    assert "3 likes, 1 comment from fans" in page
    assert url(post) in page


@pytest.mark.parametrize("fans", [2, 60])
def test_the_page_keeps_its_query_count(creator_client, post, fans, django_assert_max_num_queries):
    for fan in UserFactory.create_batch(fans):
        conversation.reaction_add(user=fan, post=post)
        CommentFactory(post=post, author=fan)
    # Session, user, the post (owner-checked), then per list a count and a page.
    with django_assert_max_num_queries(8):
        assert creator_client.get(url(post)).status_code == 200
