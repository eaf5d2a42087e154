"""A creator edits their profile; nobody else can reach the edit page."""

import re

import pytest
from playwright.sync_api import Page, expect

from creators.models import CreatorProfile
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e]


def test_creator_signs_in_and_edits_their_profile(page: Page, creator, password, image_file):
    # Given a creator who signs in with their email and password
    page.goto("/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label(re.compile(r"^Email")).fill(creator.user.email)
    page.get_by_label(re.compile(r"^Password")).fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # When they go from their studio to their page and edit it
    page.get_by_role("link", name="Studio").first.click()
    page.get_by_role("link", name="View your public page").click()
    page.get_by_role("link", name="Edit profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit your profile")
    page.get_by_label(re.compile(r"^Display name")).fill("Ana’s Kiln")
    page.get_by_label(re.compile(r"^Bio")).fill("Stoneware, fired slowly.")
    page.get_by_label(re.compile(r"^Avatar")).set_input_files(image_file("new.png"))
    page.get_by_role("button", name="Save profile").click()

    # Then their public page shows the new name, bio and avatar
    expect(page).to_have_url(re.compile(r"/@ana_makes/$"))
    expect(page.get_by_text("Your profile is updated.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ana’s Kiln")
    expect(page.get_by_text("Stoneware, fired slowly.")).to_be_visible()
    avatar = page.get_by_role("img", name="Ana’s Kiln", exact=True)
    avatar.evaluate("img => img.decode()")
    assert avatar.evaluate("img => img.naturalWidth") > 0
    profile = CreatorProfile.objects.get(pk=creator.pk)
    assert (profile.display_name, profile.bio) == ("Ana’s Kiln", "Stoneware, fired slowly.")


def test_another_user_cannot_reach_the_edit_page(page: Page, creator, login_as):
    login_as(UserFactory(email="someone.else@example.com"))

    # The public page offers them no edit link...
    page.goto(f"/@{creator.handle}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(creator.display_name)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("link", name="Edit profile")).to_have_count(0)

    # ...and typing the address gets them a 404, with the form nowhere in sight.
    response = page.goto(f"/@{creator.handle}/edit/")
    assert response.status == 404
    expect(page.get_by_label(re.compile(r"^Display name"))).to_have_count(0)
    assert CreatorProfile.objects.get(pk=creator.pk).display_name == creator.display_name
