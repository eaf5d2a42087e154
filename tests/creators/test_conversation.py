"""Comments, replies, edits, soft deletes and likes on posts: rules, bad input, events."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from creators import conversation
from creators.models import Comment, EngagementEvent, EventKind, Reaction
from tests.factories import (
    CommentFactory,
    CreatorProfileFactory,
    FollowFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(creator):
    return PostFactory(creator=creator.user, body="New glazes", body_html="<p>New glazes</p>")


def post_url(post):
    return reverse("creators:post", args=[post.creator.creator_profile.handle, post.pk])


def comment_url(post):
    return reverse("creators:post_comment", args=[post.creator.creator_profile.handle, post.pk])


def kinds():
    return list(EngagementEvent.objects.order_by("id").values_list("kind", flat=True))


# Posting ---------------------------------------------------------------------------------


def test_fan_comments_and_sees_it_on_the_post(fan_client, fan, post):
    response = fan_client.post(comment_url(post), {"body": "Is the *blue* one food safe?"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{post_url(post)}#comment-{comment.pk}"
    assert (comment.author, comment.creator, comment.post) == (fan, post.creator, post)
    html = fan_client.get(post_url(post)).content.decode()
    assert "Is the <em>blue</em> one food safe?" in html
    assert f'id="comment-{comment.pk}"' in html
    event = EngagementEvent.objects.get(kind=EventKind.COMMENT)
    assert event.actor == fan and event.creator == post.creator.creator_profile
    assert event.payload == {"comment_id": comment.pk, "post_id": post.pk}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "can’t be empty"),
        ("   \n ", "can’t be empty"),
        ("x" * 5001, "at most 5,000 characters; this one has 5,001"),
    ],
)
def test_empty_or_overlong_comment_is_refused_with_text_kept(fan_client, post, body, message):
    response = fan_client.post(comment_url(post), {"body": body})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Comment.objects.exists() and not EngagementEvent.objects.exists()


def test_exactly_5000_characters_is_fine(fan, post):
    conversation.comment_create_on_post(author=fan, post=post, body="y" * 5000)
    assert Comment.objects.count() == 1


def test_script_and_html_are_rendered_inert_and_links_get_rel(fan_client, post):
    fan_client.post(
        comment_url(post),
        {
            "body": "<script>alert(1)</script> <img src=x onerror=alert(2)> "
            "[site](http://ex.com) [x](javascript:alert(3))"
        },
    )
    html = fan_client.get(post_url(post)).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="http://ex.com" rel="nofollow ugc noopener"' in html
    assert 'href="javascript:' not in html


def test_signed_out_visitor_sees_sign_in_link_keeping_next(client, post):
    html = client.get(post_url(post)).content.decode()
    assert f"/accounts/login/?next={post_url(post).replace('@', '%40')}" in html
    assert 'name="body"' not in html
    response = client.post(comment_url(post), {"body": "hi"})
    assert response.status_code == 302 and "/accounts/login/?next=" in response["Location"]
    assert not Comment.objects.exists()


def test_followers_only_post_needs_a_follow(fan, fan_client, creator):
    post = PostFactory(creator=creator.user, visibility="followers")
    with pytest.raises(ValidationError, match="followers only"):
        conversation.comment_create_on_post(author=fan, post=post, body="hello")
    response = fan_client.post(comment_url(post), {"body": "hello"})
    assert response.status_code == 400
    assert "followers only: follow the creator" in response.content.decode()
    assert not Comment.objects.exists()
    FollowFactory(follower=fan, followed=creator.user)
    fan_client.post(comment_url(post), {"body": "hello"})
    assert Comment.objects.count() == 1


def test_unpublished_post_takes_no_comments(fan, creator):
    draft = PostFactory(creator=creator.user, status="draft", published_at=None)
    with pytest.raises(ValidationError, match="isn’t published"):
        conversation.comment_create_on_post(author=fan, post=draft, body="early")


def test_comment_rate_limit_has_a_clear_message(fan_client, post):
    for n in range(20):
        assert fan_client.post(comment_url(post), {"body": f"comment {n}"}).status_code == 302
    response = fan_client.post(comment_url(post), {"body": "one too many"})
    assert response.status_code == 429
    assert "commenting very fast" in response.content.decode()
    assert Comment.objects.count() == 20


# Replies ---------------------------------------------------------------------------------


def reply_url(comment):
    return reverse("creators:comment_reply", args=[comment.pk])


def test_creator_reply_has_badge_and_stamps_first_response(creator_client, creator, post):
    top = CommentFactory(post=post, created_at=timezone.now() - timedelta(hours=2))
    response = creator_client.post(reply_url(top), {"body": "Yes, fully food safe."})
    reply = Comment.objects.get(parent=top)
    assert response["Location"].endswith(f"#comment-{reply.pk}")
    top.refresh_from_db()
    assert top.first_response_at == reply.created_at
    event = EngagementEvent.objects.get(kind=EventKind.CREATOR_REPLY)
    assert event.payload["parent_id"] == top.pk
    assert 7190 <= event.payload["response_seconds"] <= 7210
    html = creator_client.get(post_url(post)).content.decode()
    reply_html = html.split(f'id="comment-{reply.pk}"')[1].split("</article>")[0]
    assert "Creator</span>" in reply_html
    # A second creator reply does not move the first response time.
    first = top.first_response_at
    conversation.comment_reply(author=creator.user, parent=top, body="And oven safe.")
    top.refresh_from_db()
    assert top.first_response_at == first


def test_fan_reply_is_a_reply_event_and_no_first_response(fan, post):
    top = CommentFactory(post=post)
    reply = conversation.comment_reply(author=fan, parent=top, body="Same question!")
    top.refresh_from_db()
    assert top.first_response_at is None and reply.parent == top
    assert kinds() == [EventKind.REPLY]
    # One level deep: a reply to a reply joins the top-level thread.
    nested = conversation.comment_reply(author=post.creator, parent=reply, body="Noted")
    assert nested.parent_id == top.pk


@pytest.mark.parametrize("state", ["hidden", "deleted"])
def test_replying_to_hidden_or_removed_comment_is_refused(fan_client, fan, post, state):
    top = CommentFactory(post=post)
    if state == "hidden":
        Comment.objects.filter(pk=top.pk).update(is_hidden=True)
    else:
        conversation.comment_delete(comment=top)
    response = fan_client.post(reply_url(top), {"body": "hello?"})
    if state == "hidden":
        assert response.status_code == 404  # a hidden comment is gone for fans
    else:
        assert response.status_code == 400
        assert "removed, so it can’t take replies" in response.content.decode()
    top.refresh_from_db()
    with pytest.raises(ValidationError, match="can’t take replies"):
        conversation.comment_reply(author=post.creator, parent=top, body="hello?")
    assert Comment.objects.count() == 1


# Edit and delete -------------------------------------------------------------------------


def test_edit_own_comment_within_15_minutes(fan_client, fan, post):
    comment = CommentFactory(post=post, author=fan)
    edit_url = reverse("creators:comment_edit", args=[comment.pk])
    assert comment.body in fan_client.get(edit_url).content.decode()
    fan_client.post(edit_url, {"body": "Edited **text**"})
    comment.refresh_from_db()
    assert comment.body_html == "<p>Edited <strong>text</strong></p>\n" and comment.edited_at
    assert "(edited)" in fan_client.get(post_url(post)).content.decode()


def test_edit_after_15_minutes_is_refused(fan_client, fan, post):
    comment = CommentFactory(post=post, author=fan)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = fan_client.post(
            reverse("creators:comment_edit", args=[comment.pk]), {"body": "late"}, follow=True
        )
        assert "can be edited for 15 minutes" in response.content.decode()
        with pytest.raises(ValidationError, match="time is up"):
            conversation.comment_update(comment=comment, body="late")
    comment.refresh_from_db()
    assert comment.body != "late"


def test_editing_or_deleting_someone_elses_comment_is_404(fan_client, post):
    other = CommentFactory(post=post)
    for name in ("creators:comment_edit", "creators:comment_delete"):
        assert fan_client.post(reverse(name, args=[other.pk]), {"body": "x"}).status_code == 404
    other.refresh_from_db()
    assert other.body.startswith("Love this") and other.deleted_at is None


def test_soft_delete_keeps_thread_readable(fan_client, fan, post, creator):
    top = CommentFactory(post=post, author=fan, body="Secret words")
    conversation.comment_reply(author=creator.user, parent=top, body="Thanks!")
    lonely = CommentFactory(post=post, author=fan, body="Nobody answered")
    fan_client.post(reverse("creators:comment_delete", args=[top.pk]))
    fan_client.post(reverse("creators:comment_delete", args=[lonely.pk]))
    top.refresh_from_db()
    assert top.deleted_at and top.body == ""
    html = fan_client.get(post_url(post)).content.decode()
    assert "Comment removed" in html and "Thanks!" in html
    assert "Secret words" not in html and f'id="comment-{lonely.pk}"' not in html


# Likes -----------------------------------------------------------------------------------


def like_url(post):
    return reverse("creators:post_like", args=[post.creator.creator_profile.handle, post.pk])


def test_like_post_with_htmx_and_plain_form(fan_client, fan, post):
    response = fan_client.post(like_url(post), {"action": "like"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'aria-pressed="true"' in html and "1 like" in html
    # Liking twice is one like; the plain form redirects back.
    response = fan_client.post(like_url(post), {"action": "like", "next": post_url(post)})
    assert response.status_code == 302 and response["Location"] == post_url(post)
    post.refresh_from_db()
    assert post.reaction_count == 1 and Reaction.objects.count() == 1
    assert kinds() == [EventKind.REACTION]
    response = fan_client.post(like_url(post), {"action": "unlike"}, HTTP_HX_REQUEST="true")
    assert "0 likes" in response.content.decode()
    post.refresh_from_db()
    assert post.reaction_count == 0 and not Reaction.objects.exists()
    assert kinds() == [EventKind.REACTION]  # un-liking records nothing


def test_like_comment_and_counter(fan, post):
    comment = CommentFactory(post=post)
    others = UserFactory.create_batch(3)
    for user in [fan, *others]:
        conversation.reaction_add(user=user, comment=comment)
    conversation.reaction_add(user=fan, comment=comment)
    comment.refresh_from_db()
    assert comment.reaction_count == 4
    conversation.reaction_remove(user=fan, comment=comment)
    conversation.reaction_remove(user=fan, comment=comment)
    comment.refresh_from_db()
    assert comment.reaction_count == 3


def test_signed_out_like_goes_to_sign_in(client, post):
    response = client.post(like_url(post), {"action": "like"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(like_url(post), {"action": "like"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and "/accounts/login/" in response["HX-Redirect"]


def test_followers_only_post_cannot_be_liked_without_following(fan_client, fan, creator):
    post = PostFactory(creator=creator.user, visibility="followers")
    comment = CommentFactory(post=post, author=creator.user)
    fan_client.post(like_url(post), {"action": "like"})
    comment_like = reverse("creators:comment_like", args=[comment.pk])
    assert fan_client.post(comment_like, {"action": "like"}).status_code == 404
    assert not Reaction.objects.exists()
    FollowFactory(follower=fan, followed=creator.user)
    fan_client.post(comment_like, {"action": "like"})
    assert Reaction.objects.filter(comment=comment).exists()


# Query budget ----------------------------------------------------------------------------


def test_post_page_with_200_comments_has_constant_queries(
    client, fan, creator, post, django_assert_max_num_queries
):
    client.force_login(fan)
    CommentFactory(post=post, author=fan)
    with django_assert_max_num_queries(20) as few:
        client.get(post_url(post))
    authors = [UserFactory() for _ in range(5)] + [CreatorProfileFactory().user for _ in range(2)]
    tops = [CommentFactory(post=post, author=authors[n % 7]) for n in range(150)]
    for n, top in enumerate(tops[:49]):
        conversation.comment_reply(
            author=creator.user if n % 2 else authors[n % 7], parent=top, body="re"
        )
        conversation.reaction_add(user=fan, comment=top)
    assert Comment.objects.count() >= 200
    # session, user, post (+author, profile), images, follows?, follow counts, tagged
    # products (+ images), post liked?, comment count, comment page (+authors), replies,
    # viewer's likes, blocked?, header profile, cart: the same for 1 or 200 comments.
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(post_url(post)).content.decode()
    assert html.count('class="comment ') + html.count('class="comment"') >= 50
