"""A fan likes a creator's post and comments; the creator finds the comment in the Inbox
and replies in place; the fan sees the answer with the "Creator" badge."""

import re

import pytest
from playwright.sync_api import Page, expect

from creators.models import Comment, Reaction
from tests.factories import CreatorProfileFactory, PostFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e]


def test_fan_comments_creator_answers_from_the_inbox(page: Page, login_as):
    ana = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana"))
    post = PostFactory(
        creator=ana.creator.user,
        body="The new speckled glaze is out of the kiln.",
        body_html="<p>The new speckled glaze is out of the kiln.</p>",
    )
    fan = UserFactory(email="fan@example.com", name="Sam Fan")
    post_url = f"/@ana_makes/posts/{post.pk}/"

    # The fan likes the post (htmx swaps the button, no reload) and comments.
    login_as(fan)
    page.goto(post_url)
    page.get_by_role("button", name="Like this post").click()
    expect(page.get_by_role("button", name="Liked this post")).to_be_visible()
    expect(page.get_by_text("1 like", exact=True)).to_be_visible()
    page.get_by_label("Add a comment").fill("Is the glaze **food safe**?")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    expect(page.locator(".comment__body strong", has_text="food safe")).to_be_visible()
    assert Reaction.objects.filter(user=fan, post=post).exists()

    # The creator finds it in the Inbox and replies in place.
    login_as(ana.creator.user)
    page.goto("/studio/")
    page.get_by_role("link", name=re.compile("^Inbox")).click()
    item = page.locator(".inbox-item", has_text="food safe")
    expect(item).to_contain_text("Sam Fan")
    item.get_by_label("Your reply").fill("Yes: lead-free and dishwasher safe.")
    item.get_by_role("button", name="Reply", exact=True).click()
    expect(page.get_by_text("Replied: your answer is on the post.")).to_be_visible()
    comment = Comment.objects.get(parent__isnull=True)
    assert comment.first_response_at is not None
    page.reload()
    expect(page.get_by_text("All caught up")).to_be_visible()

    # The fan sees the answer, marked as the creator's.
    login_as(fan)
    page.goto(post_url)
    answer = page.locator(".comment--creator", has_text="lead-free and dishwasher safe")
    expect(answer).to_be_visible()
    expect(answer.get_by_text("Creator", exact=True)).to_be_visible()
