"""Sign-in limits that a stranger cannot turn against an account's owner, and a sign-up
whose cost does not tell whether an email has an account."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.urls import reverse

from creators.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
ATTACKER = "198.51.100.66"
OWNER = "203.0.113.10"


def _sign_in(client, email, password, address):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address
    )


def test_an_attacker_is_locked_out_but_the_owner_elsewhere_signs_in(client, fan):
    for _ in range(20):  # under allauth's 30 sign-in attempts a minute per address
        _sign_in(client, fan.email, "guess", ATTACKER)
    # Past 5 wrong passwords the attacker's address is refused even the right one.
    refused = _sign_in(client, fan.email, PASSWORD, ATTACKER)
    assert "Too many failed login attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    response = _sign_in(client, fan.email, PASSWORD, OWNER)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(fan.pk)


def test_one_address_guessing_many_accounts_is_stopped(client):
    victims = UserFactory.create_batch(3)
    for n in range(10):  # 10 wrong passwords a minute from one address, whatever the account
        _sign_in(client, f"nobody{n}@example.com", "guess", ATTACKER)
    for victim in victims:
        refused = _sign_in(client, victim.email, PASSWORD, ATTACKER)
        assert "Too many failed login attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert _sign_in(client, victims[0].email, PASSWORD, OWNER).status_code == 302


def test_the_right_password_does_not_count_against_the_limit(client, fan):
    for _ in range(4):
        _sign_in(client, fan.email, "guess", OWNER)
    for _ in range(3):  # signing in (and out) again and again from the same place
        assert _sign_in(client, fan.email, PASSWORD, OWNER).status_code == 302
        client.logout()
    assert _sign_in(client, fan.email, PASSWORD, OWNER).status_code == 302


def test_an_optional_ceiling_per_account_stops_guessing_from_many_addresses(settings, client, fan):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_account": "8/h/key",
    }
    for n in range(8):  # from 8 addresses, below each one's own limit
        _sign_in(client, fan.email, "guess", f"198.51.100.{n + 1}")
    refused = _sign_in(client, fan.email, PASSWORD, OWNER)
    assert "Too many failed login attempts" in refused.content.decode()


def test_wrong_passwords_are_counted_whatever_the_email_case(client, fan):
    for _ in range(5):
        _sign_in(client, fan.email.upper(), "guess", ATTACKER)
    refused = _sign_in(client, fan.email, PASSWORD, ATTACKER)
    assert "Too many failed login attempts" in refused.content.decode()


class CountingHasher(MD5PasswordHasher):
    """The tests' fast hasher, counting the hashes a request computes."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


def _sign_up(client, email):
    CountingHasher.calls = 0
    mail.outbox.clear()
    response = client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    return response, CountingHasher.calls, len(mail.outbox)


def test_sign_up_with_a_taken_email_costs_what_a_new_one_costs(settings, client):
    """The page was already the same; the time differed by the password hash (1.4 s
    against 0.2 s). Both now hash once and send one email (measured: README, Security)."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    UserFactory(email="taken@example.com")

    new, new_hashes, new_mails = _sign_up(client, "new@example.com")
    taken, taken_hashes, taken_mails = _sign_up(client, "taken@example.com")

    assert new.status_code == taken.status_code == 302
    assert new["Location"] == taken["Location"] == reverse("account_email_verification_sent")
    assert new_hashes == taken_hashes == 1
    assert new_mails == taken_mails == 1
    assert "already" in mail.outbox[0].body.lower()  # the owner hears about the attempt
    assert User.objects.filter(email="new@example.com").exists()
    assert User.objects.filter(email="taken@example.com").count() == 1


def test_past_allauths_own_limit_the_page_says_to_wait(client, fan):
    for _ in range(30):  # "login": 30 attempts a minute per address
        _sign_in(client, fan.email, PASSWORD, ATTACKER)
        client.logout()
    response = _sign_in(client, fan.email, PASSWORD, ATTACKER)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Please wait a few minutes" in page and 'class="site-header' in page
