"""Staff open admin in the browser: the site's sign-in, then an authenticator app."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, UserFactory
from tests.two_factor import totp_code

pytestmark = [pytest.mark.e2e]


def test_staff_sign_in_set_up_the_authenticator_app_and_open_admin(page: Page):
    # Given a staff member without two-factor, who opens admin
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    page.goto("/admin/")

    # Then they get the site's sign-in page, not a second password form
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F$"))
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()

    # Then admin sends them to set up two-factor, after their password once more
    expect(page.get_by_text(re.compile("Staff set up two-factor authentication"))).to_be_visible()
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] > 100  # big enough to scan

    # A mistyped code is refused with a clear message, and nothing is turned on
    secret = page.get_by_label("Authenticator secret").input_value()
    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    page.get_by_label("Authenticator code").fill(wrong)
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    assert not Authenticator.objects.filter(user=staff).exists()
    assert page.get_by_label("Authenticator secret").input_value() == secret

    # When they type the code their app shows
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    # Then they keep their recovery codes and go on to admin
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
    assert len(page.get_by_label("Unused codes").input_value().split()) == 10
    page.get_by_role("link", name="Open staff admin").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    assert not page._e2e_errors, page._e2e_errors
