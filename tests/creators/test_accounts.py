"""Accounts through allauth: sign up, verify, sign in, reset, change email."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from creators.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-brand-new-long-passphrase"


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_signup_requires_email_verification_then_signs_in(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "New.Fan@Example.com", "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )
    assert "Verify Your Email Address" in response.content.decode()
    user = User.objects.get()
    assert user.email == "new.fan@example.com"
    assert not EmailAddress.objects.get(user=user).verified
    assert not response.context["user"].is_authenticated

    # The confirmation link arrives by email; opening it asks to confirm (no state change
    # on GET), and confirming signs the fan in.
    assert len(mail.outbox) == 1
    confirm_url = _link(mail.outbox[0])
    assert client.get(confirm_url).status_code == 200
    assert not EmailAddress.objects.get(user=user).verified
    response = client.post(confirm_url, follow=True)
    assert EmailAddress.objects.get(user=user).verified
    assert response.context["user"] == user


def test_unverified_user_cannot_sign_in_until_verified(client):
    UserFactory(email="pending@example.com", verified=False)
    response = client.post(
        reverse("account_login"),
        {"login": "pending@example.com", "password": PASSWORD},
        follow=True,
    )
    assert "Verify Your Email Address" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_sign_in_and_out(client, fan):
    response = client.post(
        reverse("account_login"), {"login": fan.email, "password": PASSWORD}, follow=True
    )
    assert response.context["user"] == fan
    assert response.redirect_chain[-1][0] == reverse("creators:account")
    response = client.post(reverse("account_logout"), follow=True)
    assert not response.context["user"].is_authenticated


def test_signup_with_a_taken_email_reveals_nothing(client, fan):
    response = client.post(
        reverse("account_signup"),
        {"email": fan.email, "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )
    # Same page as a new sign-up; the owner of the address is told by email instead.
    page = response.content.decode()
    assert "Verify Your Email Address" in page
    assert "already" not in page.lower()
    assert User.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [fan.email]


def _lose_the_race_for_email(monkeypatch):
    """Another sign-up with the same email commits between this one's check that the email
    is free (clean_email) and its insert: the race, made deterministic."""
    from creators.forms import SignupForm

    checked = SignupForm.clean_email

    def clean_email_then_the_other_sign_up_commits(form):
        email = checked(form)
        if not User.objects.filter(email__iexact=email).exists():
            UserFactory(email=email, verified=False)
        return email

    monkeypatch.setattr(SignupForm, "clean_email", clean_email_then_the_other_sign_up_commits)


def test_a_sign_up_losing_the_race_for_its_email_gets_the_taken_email_outcome(client, monkeypatch):
    _lose_the_race_for_email(monkeypatch)
    response = client.post(
        reverse("account_signup"),
        {"email": "racer@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    # What a sign-up with a taken email gets: "verification sent", and the owner is told.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.count() == 1
    assert not EmailAddress.objects.exists()  # the loser left no address behind
    assert [(m.to, "Already Exists" in m.subject) for m in mail.outbox] == [
        (["racer@example.com"], True)
    ]


def test_without_mandatory_verification_the_race_loser_gets_the_taken_email_error(
    client, monkeypatch, settings
):
    # allauth refuses a taken email in the form when verification is optional (DEBUG
    # may run so); the loser of the race sees that, as a later sign-up does.
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    form = {"email": "racer@example.com", "password1": PASSWORD, "password2": PASSWORD}
    _lose_the_race_for_email(monkeypatch)
    raced = client.post(reverse("account_signup"), form)
    later = client.post(reverse("account_signup"), form)
    for response in (raced, later):
        assert response.status_code == 200
        assert "A user is already registered with this email address." in (
            response.content.decode()
        )
    assert User.objects.count() == 1


def test_password_reset_for_unknown_email_looks_the_same(client, fan):
    known = client.post(reverse("account_reset_password"), {"email": fan.email}, follow=True)
    unknown = client.post(
        reverse("account_reset_password"), {"email": "nobody@example.com"}, follow=True
    )
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200


def test_password_reset_journey(client, fan):
    client.post(reverse("account_reset_password"), {"email": fan.email})
    reset_url = _link(mail.outbox[0])
    response = client.get(reset_url, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else reset_url
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    fan.refresh_from_db()
    assert fan.check_password(NEW_PASSWORD)


def test_email_change_adds_an_address_to_verify(fan_client, fan):
    response = fan_client.post(
        reverse("account_email"), {"action_add": "", "email": "ana.new@example.com"}, follow=True
    )
    assert response.status_code == 200
    assert EmailAddress.objects.filter(user=fan, email="ana.new@example.com", verified=False)
    assert mail.outbox[-1].to == ["ana.new@example.com"]


def test_failed_logins_are_rate_limited(client, fan):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": fan.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": fan.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_allauth_pages_use_the_site_layout(client):
    for name in ["account_login", "account_signup", "account_reset_password"]:
        page = client.get(reverse(name)).content.decode()
        assert 'class="site-header' in page, name
        assert "/static/css/site.css" in page, name
        assert page.count("<h1") == 1, name


def test_social_login_is_installed_but_no_provider_is_configured(client):
    from allauth.socialaccount.models import SocialApp

    assert not SocialApp.objects.exists()
    page = client.get(reverse("account_login")).content.decode()
    assert "/accounts/google/" not in page


def test_email_is_unique_case_insensitively():
    from django.db import IntegrityError

    UserFactory(email="ana@example.com")
    with pytest.raises(IntegrityError):
        User.objects.create(email="ANA@example.com")


def test_emails_name_the_site(client):
    client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert "relcommerce" in mail.outbox[0].body
    assert "example.com!" not in mail.outbox[0].body
