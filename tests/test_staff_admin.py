"""Staff admin: only through the site's sign-in (and its limits), only with two-factor;
everyone else may turn two-factor on, and signs in as before until they do."""

import re
import time
from html import unescape

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.factories import PASSWORD, CreatorProfileFactory, UserFactory
from tests.two_factor import totp_code, totp_enable

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)


def _final(response):
    return (
        response.redirect_chain[-1][0] if response.redirect_chain else response.request["PATH_INFO"]
    )


def _sign_in(client, email, password=PASSWORD, next_url=None):
    data = {"login": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("account_login"), data)


def _reauthenticate(client):
    return client.post(
        "/accounts/reauthenticate/",
        {"password": PASSWORD, "next": reverse("mfa_activate_totp")},
        follow=True,
    )


def test_admin_login_has_no_password_form_of_its_own(client, staff):
    response = client.get("/admin/login/?next=/admin/shops/order/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fshops%2Forder%2F"

    # 30 wrong passwords and then the right one, posted where Django's form used to be:
    # none of them signs anyone in.
    for _ in range(30):
        client.post("/admin/login/", {"username": staff.email, "password": "guess"})
    response = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_admin_login_never_redirects_off_site(client):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_staff_without_two_factor_are_sent_to_set_it_up(client, staff):
    client.force_login(staff)  # a session from before: setting up asks the password again
    response = client.get("/admin/shops/order/", follow=True)
    assert (
        _final(response) == "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    )
    assert (
        "Staff set up two-factor authentication before opening admin" in response.content.decode()
    )
    response = _reauthenticate(client)
    assert _final(response) == reverse("mfa_activate_totp")
    page = response.content.decode()
    assert "<svg" in page and "data:image" not in page  # the QR code, drawn inline
    assert client.get("/admin/").status_code == 302


def test_signed_in_people_who_are_not_staff_are_told_admin_is_staff_only(client, fan):
    client.force_login(fan)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "The staff admin is for relcommerce staff" in response.content.decode()


def test_staff_journey_enrol_then_sign_in_with_a_code_or_a_recovery_code(client, staff):
    # Given staff without two-factor who open admin: sign in, then set up the app.
    response = client.get("/admin/", follow=True)
    assert _final(response) == "/accounts/login/?next=%2Fadmin%2F"
    response = _sign_in(client, staff.email, next_url="/admin/")
    response = client.get(response["Location"], follow=True)
    # allauth asks for the password again before a change to two-factor.
    assert (
        _final(response) == "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    )
    response = _reauthenticate(client)
    assert _final(response) == reverse("mfa_activate_totp")
    page = response.content.decode()
    secret = unescape(re.search(r'id="authenticator_secret"[^>]*value="([^"]+)"', page)[1])

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert "Incorrect code" in wrong.content.decode()
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)}, follow=True)
    assert _final(response) == reverse("mfa_view_recovery_codes")
    page = response.content.decode()
    assert "Open staff admin" in page
    codes = re.search(r'<textarea[^>]*id="recovery_codes"[^>]*>([^<]+)</textarea>', page)[1].split()
    assert len(codes) == 10
    assert client.get("/admin/").status_code == 200

    # When they sign in again, the password is not enough: admin asks for the app's code.
    client.post(reverse("account_logout"))
    response = _sign_in(client, staff.email, next_url="/admin/")
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/admin/").status_code == 302  # not signed in yet
    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert "Incorrect code" in wrong.content.decode()
    next_code = totp_code(secret, at=time.time() + 30)  # the first one was used
    response = client.post(reverse("mfa_authenticate"), {"code": next_code})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    # And with the phone lost, a recovery code signs them in, once.
    client.post(reverse("account_logout"))
    _sign_in(client, staff.email)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    client.post(reverse("account_logout"))
    _sign_in(client, staff.email)
    reused = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert "Incorrect code" in reused.content.decode()
    assert "_auth_user_id" not in client.session


def test_fans_and_creators_without_two_factor_sign_in_as_before(client, fan):
    creator = CreatorProfileFactory().user
    for user in (fan, creator):
        response = _sign_in(client, user.email)
        assert response["Location"] == reverse("creators:account")
        assert client.session["_auth_user_id"] == str(user.pk)
        client.post(reverse("account_logout"))


def test_a_creator_turns_two_factor_on_from_their_account_page(client):
    creator = CreatorProfileFactory().user
    client.force_login(creator)
    page = client.get(reverse("creators:account")).content.decode()
    assert 'Off · <a href="/accounts/2fa/totp/activate/">Set up an authenticator app</a>' in page
    _reauthenticate(client)
    activate = client.get(reverse("mfa_activate_totp"))
    secret = activate.context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert Authenticator.objects.filter(user=creator, type=Authenticator.Type.TOTP).exists()
    page = client.get(reverse("creators:account")).content.decode()
    assert "On: a code from your authenticator app at sign-in" in page

    client.post(reverse("account_logout"))
    response = _sign_in(client, creator.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_staff_enrolled_directly_reach_admin_after_the_code(client, staff):
    secret = totp_enable(staff)
    _sign_in(client, staff.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get("/admin/creators/user/").status_code == 200


def test_admins_password_change_is_the_sites(admin_client):
    response = admin_client.get(reverse("admin:password_change"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")
