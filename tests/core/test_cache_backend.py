"""The Redis cache backend (core.cache): one client per connection pool, and tracked
keys held in memory until Redis announces a change."""

import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings

from core.cache import RedisCache

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


# --- Tracked keys: held in memory, dropped when Redis announces a change ---------------


@pytest.fixture
def tracked():
    """A cache tracking keys under "v:", and another client writing as other processes do."""
    options = {"KEY_PREFIX": "test-tracked", "OPTIONS": {"TRACKED_KEY_PREFIXES": ["v:"]}}
    cache = RedisCache(settings.REDIS_URL, options)
    writer = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "test-tracked"})
    yield cache, writer
    writer.delete_many(["v:site", "v:shop", "page"])


def _round_trips(cache, monkeypatch) -> list:
    calls = []
    client = cache._cache.get_client()
    mget = client.mget
    monkeypatch.setattr(client, "mget", lambda keys: calls.append(list(keys)) or mget(keys))
    return calls


def test_tracked_keys_are_read_from_redis_once_then_from_memory(tracked, monkeypatch):
    cache, writer = tracked
    writer.set_many({"v:site": "one", "v:shop": "two", "page": "body"})
    calls = _round_trips(cache, monkeypatch)
    assert cache.get_many(["v:site", "v:shop"]) == {"v:site": "one", "v:shop": "two"}
    assert cache.get_many(["v:site", "v:shop"]) == {"v:site": "one", "v:shop": "two"}
    assert cache.get("v:site") == "one"
    assert len(calls) == 1  # only the first read went to Redis
    assert cache.get_many(["page", "v:site"]) == {"page": "body", "v:site": "one"}
    assert calls[-1] == [cache.make_key("page")]  # untracked keys always do


def test_a_change_from_another_process_is_seen_by_the_very_next_read(tracked):
    cache, writer = tracked
    writer.set("v:site", "one")
    assert cache.get("v:site") == "one"
    key = writer.make_key("v:site")
    other_process = f"import redis; redis.Redis.from_url({settings.REDIS_URL!r}).set({key!r}, 7)"
    subprocess.run([sys.executable, "-c", other_process], check=True)
    assert cache.get("v:site") == 7  # no waiting: the news was already on the socket
    writer.set("v:site", "two")
    assert cache.get("v:site") == "two"
    writer.delete("v:site")
    assert cache.get("v:site") is None


def test_a_flush_drops_everything_held(tracked):
    cache, writer = tracked
    writer.set("v:site", "one")
    assert cache.get("v:site") == "one"
    writer.clear()
    assert cache.get("v:site") is None


def test_without_the_tracking_connection_every_read_goes_to_redis(tracked, monkeypatch):
    cache, writer = tracked
    writer.set("v:site", "one")
    assert cache.get("v:site") == "one"
    keys = cache._cache._tracked
    writer._cache.get_client().execute_command("CLIENT", "KILL", "ID", keys.client_id)
    writer.set("v:site", "two")
    assert cache.get("v:site") == "two"  # the loss is seen: read from Redis, not memory
    assert keys._connection is None
    monkeypatch.setattr(keys, "_retry_at", 0.0)  # reconnects on a later read
    assert cache.get("v:site") == "two"
    assert keys._connection is not None


def test_values_held_past_their_max_age_are_read_again(tracked, monkeypatch):
    cache, writer = tracked
    writer.set("v:site", "one")
    assert cache.get("v:site") == "one"
    calls = _round_trips(cache, monkeypatch)
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 6)  # TRACKED_MAX_AGE is 5 s
    assert cache.get("v:site") == "one"
    assert len(calls) == 1


def test_a_forked_process_opens_its_own_tracking_connection(tracked):
    cache, writer = tracked
    writer.set("v:site", "one")
    assert cache.get("v:site") == "one"
    keys = cache._cache._tracked
    parents = keys._connection
    keys._pid = -1  # as a gunicorn worker forked after the parent read
    assert cache.get("v:site") == "one"
    assert keys._connection is not parents
