"""A creator recognises a fan: features their comment, thanks them; the fan sees both."""

import pytest
from playwright.sync_api import Page, expect

from creators.conversation import comment_create_on_post
from creators.posts import PostAction, post_create
from tests.factories import CreatorProfileFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e]


def test_creator_features_a_fans_comment_and_thanks_them(page: Page, context, login_as):
    # Given Ana's shop, one of her posts, and Dana's comment on it.
    ana = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana")).creator
    post = post_create(author=ana.user, body="The spring glazes are out", action=PostAction.PUBLISH)
    dana = UserFactory(name="Dana")
    comment_create_on_post(author=dana, post=post, body="That blue is *unreal*")

    # When Ana features Dana's comment from the post page…
    login_as(ana.user)
    page.goto(post.get_absolute_url())
    dana_comment = page.locator("article.comment", has_text="That blue is")
    dana_comment.get_by_role("button", name="Feature on your page").click()
    expect(page.get_by_text("The comment is on your page")).to_be_visible()
    expect(dana_comment.get_by_role("button", name="Remove from your page")).to_be_visible()

    # …it is on her page under "From our fans".
    page.goto(ana.get_absolute_url())
    fans = page.get_by_role("region", name="From our fans")
    expect(fans.get_by_text("That blue is unreal")).to_be_visible()

    # And she sends Dana a thank-you note from the comment.
    page.goto(post.get_absolute_url())
    dana_comment.get_by_role("link", name="Send a thank-you note to Dana").click()
    expect(page.get_by_role("heading", name="Thank Dana", level=1)).to_be_visible()
    page.get_by_label("Your note").fill("Thank you for always cheering us on, Dana!")
    page.get_by_role("button", name="Send thank-you note").click()
    expect(page.get_by_text("Your thank-you note is on its way to Dana.")).to_be_visible()

    # Then Dana, signed in, finds both in her notifications.
    context.clear_cookies()
    login_as(dana)
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_label("2 unread")).to_be_visible()
    nav.get_by_role("link", name="Notifications").click()
    expect(
        page.get_by_role("link", name="You were featured: Ana put your comment on their page")
    ).to_be_visible()
    page.get_by_role("link", name="Ana sent you a thank-you note").click()
    expect(page.get_by_role("heading", name="Notes from creators", level=1)).to_be_visible()
    expect(page.get_by_text("Thank you for always cheering us on, Dana!")).to_be_visible()

    # And her featured comment shows on Ana's public page.
    page.goto(ana.get_absolute_url())
    fans = page.get_by_role("region", name="From our fans")
    expect(fans.get_by_text("That blue is unreal")).to_be_visible()
    expect(fans.get_by_role("button", name="Remove from your page")).to_have_count(0)
