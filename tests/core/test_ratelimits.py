import pytest
from django.urls import reverse

from core.ratelimits import Rate
from creators.models import CreatorProfile

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
