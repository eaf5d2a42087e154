import pytest
from django.urls import reverse

from core.ratelimits import Rate
from creators.models import CreatorProfile
from tests.factories import UserFactory
from tests.redis_server import cache_settings, free_port

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "rate"), [("5/h", Rate(5, 3600)), ("10/15m", Rate(10, 900)), ("1/d", Rate(1, 86400))]
)
def test_rates_parse(text, rate):
    assert Rate.parse(text) == rate


def test_too_many_shop_attempts_get_a_429_that_says_when_to_retry(fan_client):
    for _ in range(10):
        response = fan_client.post(reverse("shops:open"), {"handle": "x"})
        assert response.status_code == 200  # form errors, counted as attempts
    response = fan_client.post(reverse("shops:open"), {"handle": "ana", "display_name": "Ana"})
    assert response.status_code == 429
    assert "Please try again in" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert not CreatorProfile.objects.exists()
    assert fan_client.get(reverse("shops:open")).status_code == 200  # reading is not limited


def test_profile_edits_are_limited_per_user(client, creator):
    from tests.factories import CreatorProfileFactory

    client.force_login(creator.user)
    url = reverse("creators:edit", args=[creator.handle])
    for _ in range(30):
        client.post(url, {"display_name": "A"})
    assert client.post(url, {"display_name": "B"}).status_code == 429
    other = CreatorProfileFactory()
    client.force_login(other.user)
    assert (
        client.post(
            reverse("creators:edit", args=[other.handle]), {"display_name": "C"}
        ).status_code
        == 302
    )


# --- While Redis is down ----------------------------------------------------------------


@pytest.fixture
def redis_down(settings):
    """The real stack's cache backend, with nothing listening where Redis should be."""
    settings.CACHES = cache_settings(f"redis://127.0.0.1:{free_port()}/0")


def test_with_redis_down_our_limits_still_hold_per_process(redis_down, fan_client):
    for _ in range(10):
        response = fan_client.post(reverse("shops:open"), {"handle": "x"})
        assert response.status_code == 200
    response = fan_client.post(reverse("shops:open"), {"handle": "ana", "display_name": "Ana"})
    assert response.status_code == 429
    assert not CreatorProfile.objects.exists()


def test_with_redis_down_sign_in_works_and_allauths_limits_hold_per_process(
    redis_down, client, fan, password
):
    login = reverse("account_login")
    for _ in range(5):  # "login_failed_client": 5 per 5 minutes per account and address
        response = client.post(login, {"login": fan.email, "password": "wrong"})
        assert response.status_code == 200
        assert "not correct" in response.content.decode()
    response = client.post(login, {"login": fan.email, "password": password})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session

    other = UserFactory()
    response = client.post(login, {"login": other.email, "password": password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)
