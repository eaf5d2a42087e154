"""The page cache fails open: a cache that raises or times out means "not cached"."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from core import pagecache
from tests.factories import ProductFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.page_cache, pytest.mark.django_db(transaction=True)]

DOWN = RedisConnectionError("Connection refused")


@pytest.fixture
def product():
    return ProductFactory(shop=ShopFactory(creator__handle="ana_makes"), title="Speckled mug")


@pytest.fixture
def cache_down():
    """Every call of the cache raises, as a backend that does not fail open would."""
    names = ["get", "get_many", "set", "set_many", "add", "delete", "incr"]
    patches = [mock.patch.object(cache, name, side_effect=DOWN) for name in names]
    for patch in patches:
        patch.start()
    yield
    for patch in patches:
        patch.stop()


def test_pages_are_served_uncached_while_the_cache_raises(product, cache_down, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"  # sessions need no cache
    for client in (Client(), Client()):
        for url in (product.get_absolute_url(), reverse("home"), reverse("catalog")):
            response = client.get(url)
            assert response.status_code == 200
            assert response["X-Page-Cache"] == "miss"
    signed_in = Client()
    signed_in.force_login(UserFactory())
    assert signed_in.get(product.get_absolute_url()).status_code == 200


def test_hooks_registered_after_an_invalidation_still_run_when_the_cache_is_down(cache_down):
    ran = []
    with transaction.atomic():
        pagecache.touch(pagecache.CATALOG)
        transaction.on_commit(lambda: ran.append("after"))
    assert ran == ["after"]
