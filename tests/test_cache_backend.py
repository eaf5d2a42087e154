"""The Redis cache backend keeps one client per connection pool (relcommerce.cache)."""

import threading

import pytest
from django.conf import settings

from relcommerce.cache import RedisCache

pytestmark = pytest.mark.real_stack


@pytest.fixture
def redis_cache():
    cache = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "test-cache-backend"})
    yield cache
    cache.delete_many(["a", "b", "shared"])


def test_every_call_reuses_one_client_over_the_same_pool(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    assert client.connection_pool is redis_cache._cache._get_connection_pool(False)


def test_values_round_trip_like_djangos_backend(redis_cache):
    redis_cache.set("a", {"price": "24.00"}, 30)
    assert redis_cache.add("a", "other", 30) is False
    redis_cache.set_many({"b": 2}, 30)
    assert redis_cache.get_many(["a", "b", "missing"]) == {"a": {"price": "24.00"}, "b": 2}
    assert redis_cache.incr("b") == 3


def test_the_shared_client_is_safe_across_threads(redis_cache):
    redis_cache.set("shared", 0, 30)
    errors = []

    def bump():
        try:
            for _ in range(50):
                redis_cache.incr("shared")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert redis_cache.get("shared") == 200
