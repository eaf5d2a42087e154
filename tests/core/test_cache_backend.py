"""The Redis cache backend (core.cache) fails open: with Redis stopped or frozen every
call answers as an empty cache that refuses writes, at once or after one short timeout,
and the cache works again by itself when Redis does.

Most tests need no shared Redis: a closed port (stopped), a port that accepts and never
answers (frozen), or a redis-server of the test's own. Those marked `real_stack` check
the backend against the stack's Redis (REDIS_URL).
"""

import logging
import threading
import time

import pytest
from django.conf import settings as django_settings

from core.cache import RedisCache
from tests.redis_server import free_port, redis_server, silent_port  # noqa: F401 (fixtures)

TIMEOUT = 0.2  # the backends' socket timeouts here, seconds
FALLBACK = ["ratelimit:"]


def backend(url: str, **options) -> RedisCache:
    return RedisCache(
        url,
        {
            "KEY_PREFIX": "test-cache-backend",
            "OPTIONS": {
                "socket_connect_timeout": TIMEOUT,
                "socket_timeout": TIMEOUT,
                "LOCAL_FALLBACK_PREFIXES": FALLBACK,
                **options,
            },
        },
    )


@pytest.fixture(autouse=True)
def _retry_after(settings):
    settings.CACHE_RETRY_AFTER = 0.5


@pytest.fixture
def stopped_url():
    """A port nothing listens on: connections are refused, as by a stopped Redis."""
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def stopped(stopped_url):
    return backend(stopped_url)


@pytest.fixture
def frozen(silent_port):  # noqa: F811
    return backend(f"redis://127.0.0.1:{silent_port}/0")


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


# --- Redis stopped ----------------------------------------------------------------------


def test_with_redis_stopped_every_method_answers_as_an_empty_cache_that_refuses_writes(
    stopped,
):
    cache = stopped
    answers = {
        "get": (lambda: cache.get("a", "default"), "default"),
        "get_many": (lambda: cache.get_many(["a", "b"]), {}),
        "has_key": (lambda: cache.has_key("a"), False),
        "add": (lambda: cache.add("a", 1), False),
        "set": (lambda: cache.set("a", 1), None),
        "set_many": (lambda: sorted(cache.set_many({"a": 1, "b": 2})), ["a", "b"]),
        "touch": (lambda: cache.touch("a"), False),
        "delete": (lambda: cache.delete("a"), False),
        "delete_many": (lambda: cache.delete_many(["a", "b"]), None),
        "get_or_set": (lambda: cache.get_or_set("a", lambda: "computed"), "computed"),
        "clear": (lambda: cache.clear(), False),
    }
    for name, (call, expected) in answers.items():
        result, seconds = timed(call)
        assert result == expected, name
        assert seconds < 0.1, f"{name} took {seconds:.3f} s"
    for counter in (cache.incr, cache.decr):
        with pytest.raises(ValueError, match="not found"):
            counter("a")  # a missing key, as Django's backends say it
    assert cache.degraded
    assert cache.failures >= len(answers)


def test_the_outage_is_logged_once_with_a_count_not_once_per_call(stopped, caplog, settings):
    settings.CACHE_RETRY_AFTER = 0  # every call tries Redis, and fails
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        for _ in range(200):
            stopped.get("a")
    assert len(caplog.records) == 1
    assert "failed (ConnectionError" in caplog.records[0].getMessage()
    assert stopped.failures == 200


def test_every_cache_object_of_the_process_skips_a_redis_that_just_failed(stopped, stopped_url):
    """Django makes one cache object per thread: once one has failed, the others answer
    at once too instead of each waiting for its own timeout."""
    stopped.get("a")
    other_thread = []
    thread = threading.Thread(target=lambda: other_thread.append(backend(stopped_url).degraded))
    thread.start()
    thread.join()
    assert other_thread == [True]


def test_keys_under_the_fallback_prefixes_live_in_process_memory_meanwhile(stopped, stopped_url):
    """Rate-limit counters still count (per process) while Redis is down."""
    cache = stopped
    assert cache.add("ratelimit:x", 0, 60) is True
    assert cache.incr("ratelimit:x") == 1
    assert cache.incr("ratelimit:x", 5) == 6
    assert cache.get("ratelimit:x") == 6
    assert cache.set_many({"ratelimit:y": 1, "page": 2}) == ["page"]
    assert cache.get_many(["ratelimit:x", "ratelimit:y", "page"]) == {
        "ratelimit:x": 6,
        "ratelimit:y": 1,
    }
    assert cache.delete("ratelimit:y") is True
    assert cache.get("page") is None  # anything else is not kept
    assert backend(stopped_url).get("ratelimit:x") == 6  # shared by the process


# --- Redis frozen -----------------------------------------------------------------------


def test_a_frozen_redis_costs_one_timeout_then_nothing_until_the_retry(frozen, settings):
    settings.CACHE_RETRY_AFTER = 1.0
    cache = frozen
    result, first = timed(lambda: cache.get("a", "default"))
    assert result == "default"
    assert TIMEOUT * 0.9 <= first < 1.0, f"the first call took {first:.3f} s"

    # Given the breaker is open, a whole request's worth of calls costs nothing…
    _, many = timed(lambda: [cache.get_many(["a", "b"]) for _ in range(100)])
    assert many < 0.1, f"100 calls took {many:.3f} s"
    time.sleep(1.0)
    # …and after CACHE_RETRY_AFTER one call tries Redis again.
    _, retried = timed(lambda: cache.set("a", 1))
    assert TIMEOUT * 0.9 <= retried < 1.0
    _, skipped = timed(lambda: cache.set("a", 1))
    assert skipped < 0.05


def test_while_one_call_retries_the_others_do_not_wait(frozen, settings):
    settings.CACHE_RETRY_AFTER = 0.3
    frozen.get("a")
    time.sleep(0.35)
    durations = []

    def call():
        durations.append(timed(lambda: frozen.get("a"))[1])

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(seconds >= TIMEOUT * 0.9 for seconds in durations) == 1, durations


# --- A real redis-server, stopped, frozen and back ---------------------------------------


def test_caching_resumes_by_itself_after_redis_restarts(redis_server, caplog):  # noqa: F811
    cache = backend(redis_server.url)
    cache.set("a", "before", 60)
    redis_server.stop()
    assert cache.get("a") is None
    assert cache.degraded
    redis_server.start()  # empty: no persistence
    time.sleep(django_settings.CACHE_RETRY_AFTER)
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        cache.set("a", "after", 60)
    assert not cache.degraded
    assert cache.get("a") == "after"
    assert "answers again" in caplog.text


def test_caching_resumes_by_itself_after_redis_thaws(redis_server):  # noqa: F811
    cache = backend(redis_server.url)
    cache.set("a", "kept", 60)
    redis_server.freeze()
    try:
        result, seconds = timed(lambda: cache.get("a", "default"))
        assert (result, cache.degraded) == ("default", True)
        assert seconds < 1.0
    finally:
        redis_server.thaw()
    time.sleep(django_settings.CACHE_RETRY_AFTER)
    assert cache.get("a") == "kept"
    assert not cache.degraded


# --- The stack's Redis ------------------------------------------------------------------


@pytest.fixture
def shared():
    cache = backend(django_settings.REDIS_URL)
    yield cache
    cache.delete_many(["a", "b", "n", "ratelimit:x"])


@pytest.mark.real_stack
def test_with_redis_up_it_is_djangos_backend(shared):
    cache = shared
    cache.set("a", {"price": "24.00"}, 30)
    assert cache.add("a", "other", 30) is False
    assert cache.set_many({"b": 2, "n": 1}, 30) == []
    assert cache.get_many(["a", "b", "missing"]) == {"a": {"price": "24.00"}, "b": 2}
    assert cache.incr("n") == 2
    assert cache.decr("n", 2) == 0
    with pytest.raises(ValueError):
        cache.incr("missing")
    assert cache.touch("a", 60) is True
    assert cache.has_key("a")
    assert cache.get_or_set("missing", "computed", 1) == "computed"
    assert cache.delete("a") is True
    cache.delete_many(["b", "n"])
    assert cache.get_many(["a", "b", "n"]) == {}
    assert not cache.degraded


@pytest.mark.real_stack
def test_with_redis_up_fallback_keys_are_shared_like_any_other(shared):
    cache = shared
    cache.add("ratelimit:x", 0, 30)
    cache.incr("ratelimit:x")
    assert backend(django_settings.REDIS_URL).get("ratelimit:x") == 1


@pytest.mark.real_stack
def test_the_stacks_cache_is_the_fail_open_backend_with_short_timeouts():
    from django.core.cache import caches

    default = django_settings.CACHES["default"]
    assert isinstance(caches["default"], RedisCache)
    assert default["OPTIONS"]["socket_timeout"] <= 0.5
    assert default["OPTIONS"]["socket_connect_timeout"] <= 0.5


# --- Writes Redis missed ------------------------------------------------------------------


def test_a_write_redis_missed_is_undone_before_anything_is_read_again(redis_server):  # noqa: F811
    """E.g. a page-cache version token that a change could not bump: a frozen Redis
    resumes with the old one, which would replay pages from before the change."""
    cache = backend(redis_server.url)
    cache.set_many({"token": "old", "other": "kept"}, 60)
    redis_server.freeze()
    try:
        cache.set("token", "new", 60)  # times out
        cache.set_many({"token": "newer"}, 60)  # skipped: the breaker is open
        cache.set("ratelimit:x", 1, 60)  # kept in memory instead, nothing to undo
    finally:
        redis_server.thaw()
    time.sleep(django_settings.CACHE_RETRY_AFTER)
    assert cache.get("token") is None  # not "old"
    assert cache.get("other") == "kept"
    assert not cache.degraded


def test_an_error_redis_answers_with_fails_that_call_only(redis_server):  # noqa: F811
    """Out of memory, a read-only replica, a wrong type: Redis is there, so the breaker
    stays closed; the refused write is undone like a missed one (nothing stale stays)."""
    cache = backend(redis_server.url)
    cache.set_many({"text": "not a number", "other": 1}, 60)
    with pytest.raises(ValueError):
        cache.incr("text")  # Redis refuses INCRBY on a string
    assert not cache.degraded
    assert cache.failures == 1
    _, seconds = timed(lambda: cache.get_many(["text", "other"]))
    assert cache.get_many(["text", "other"]) == {"other": 1}
    assert seconds < 0.1
