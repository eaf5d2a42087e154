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


@pytest.fixture(autouse=True)
def _nothing_owed():
    pagecache._owed.clear()
    yield
    pagecache._owed.clear()


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


def test_an_invalidation_the_cache_missed_is_made_before_the_next_read(product):
    url = product.get_absolute_url()
    Client().get(url)
    assert Client().get(url)["X-Page-Cache"] == "hit"
    # Given the cache is down while a change commits (the bump is lost)…
    with mock.patch.object(cache, "set_many", side_effect=DOWN):
        product.title = "Glazed mug"
        product.save()
    assert pagecache._owed
    # …the next page-cache read makes it first: the old page is not replayed.
    page = Client().get(url)
    assert page["X-Page-Cache"] == "miss" and "Glazed mug" in page.content.decode()
    assert not pagecache._owed


def test_a_backend_reporting_failed_keys_owes_just_those_scopes(product):
    with mock.patch.object(cache, "set_many", side_effect=lambda values, timeout: list(values)):
        pagecache.touch("creator:ana_makes")
    assert pagecache._owed == {"creator:ana_makes"}
    pagecache.retry_owed_invalidations()
    assert not pagecache._owed
