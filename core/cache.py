"""Django's Redis cache backend, failing open: a Redis that is down or frozen costs a
request at most one short timeout, never an error.

The cache holds only what can be recomputed (pages, version tokens, counters), so no
request should fail, or wait long, because Redis does. Here:

- Every public method answers as an empty cache that refuses writes when Redis raises
  (redis-py turns refused connections and socket timeouts into its ConnectionError and
  TimeoutError): `get` gives the default, `add`/`delete`/`touch`/`has_key` False,
  `set_many` the keys it could not store (as Django documents), `incr` the ValueError of
  a missing key. Callers already handle all of these, since any cache may evict.
- Short socket timeouts come from OPTIONS (`socket_connect_timeout`, `socket_timeout`),
  which Django passes to redis-py's ConnectionPool (settings REDIS_CONNECT_TIMEOUT and
  REDIS_SOCKET_TIMEOUT).
- A breaker: once Redis is unreachable (refused, reset, timed out) this process skips it
  for `CACHE_RETRY_AFTER` seconds and answers at once; then one call tries again. So a
  frozen Redis costs one timeout per process per window, and a request at most one. An
  error Redis answers with (out of memory, read-only replica) fails only its call.
- Failures are logged once when an outage starts, then at most every `LOG_EVERY` seconds
  with how many calls were answered without Redis, and once when Redis answers again;
  `cache.degraded` and `cache.failures` are for /healthz.
- A write that may not have reached Redis (it failed, or was skipped meanwhile) is
  undone when Redis answers again: this process deletes those keys before its first
  call, so nobody reads the value the write meant to replace — a page-cache version
  token that a change could not bump, say, or one a frozen Redis still holds when it
  resumes. Until this process reaches Redis again, others may still read it; entries
  expire by their timeout regardless. Kept per process, up to LOST_WRITES_KEPT keys.
- Keys under OPTIONS["LOCAL_FALLBACK_PREFIXES"] are kept in this process's memory
  (Django's LocMemCache) while Redis cannot answer: counters and locks that still mean
  something per process, such as rate limits. Anything shared between processes, like
  page-cache version tokens, must not be listed: a per-process copy would go stale.

Only Django's and redis-py's public APIs are used: the public methods of Django's
RedisCache are wrapped, nothing below them is touched.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import ConnectionError, RedisError, TimeoutError

logger = logging.getLogger(__name__)

LOG_EVERY = 30.0  # seconds between two warnings about the same outage
LOST_WRITES_KEPT = 10_000  # keys to delete when Redis is back, per cache and process


class Outage:
    """One Redis server as this process sees it: shared by every thread's cache object
    (Django makes one per thread), so one failure spares every thread the timeout."""

    def __init__(self, where: str):
        self.where = where
        self.failures = 0  # calls answered without Redis since the process started
        self.since: float | None = None  # when the current outage began (monotonic)
        self._retry_at = 0.0
        self._lock = threading.Lock()
        self._unreported = 0
        self._reported_at = -math.inf
        self._failures_before = 0  # `failures` when the current outage began

    @property
    def degraded(self) -> bool:
        return self.since is not None

    def skip(self) -> bool:
        """True while Redis is not to be tried. When the window has passed, the caller
        that asks first is the one that tries, and the others keep skipping meanwhile."""
        if self.since is None:
            return False
        with self._lock:
            now = time.monotonic()
            if now >= self._retry_at:
                self._retry_at = now + settings.CACHE_RETRY_AFTER
                return False
            self.failures += 1
            self._unreported += 1
        return True

    def failed(self, exc: RedisError) -> None:
        """A call failed. Only an unreachable Redis (refused, reset, timed out) opens the
        breaker: an error Redis answered with (out of memory, a read-only replica, a
        wrong type) concerns that call alone."""
        unreachable = isinstance(exc, ConnectionError | TimeoutError)
        with self._lock:
            now = time.monotonic()
            self.failures += 1
            began = unreachable and self.since is None
            if began:
                self.since, self._failures_before = now, self.failures - 1
            if unreachable:
                self._retry_at = now + settings.CACHE_RETRY_AFTER
            report = began or now - self._reported_at >= LOG_EVERY
            if report:
                unreported, self._unreported, self._reported_at = self._unreported, 0, now
            else:
                self._unreported += 1
        if began:
            logger.warning(
                "cache: Redis at %s failed (%s: %s); answering without it, trying again every %s s",
                self.where,
                exc.__class__.__name__,
                exc,
                settings.CACHE_RETRY_AFTER,
            )
        elif report:
            logger.warning(
                "cache: Redis at %s failed (%s: %s); %d calls answered without it since "
                "the last report",
                self.where,
                exc.__class__.__name__,
                exc,
                unreported + 1,
            )

    def answered(self) -> None:
        if self.since is None:
            return
        with self._lock:
            if self.since is None:
                return
            lasted, self.since = time.monotonic() - self.since, None
            missed = self.failures - self._failures_before
            self._unreported, self._reported_at = 0, -math.inf
        logger.warning(
            "cache: Redis at %s answers again after %.1f s (%d calls answered without it)",
            self.where,
            lasted,
            missed,
        )


_OUTAGES: dict[str, Outage] = {}
_OUTAGES_LOCK = threading.Lock()


def _outage_for(servers: list[str]) -> Outage:
    where = ",".join(f"{urlsplit(url).hostname}:{urlsplit(url).port or 6379}" for url in servers)
    with _OUTAGES_LOCK:
        return _OUTAGES.setdefault(where, Outage(where))  # host and port: no password


class LostWrites:
    """The keys (with their versions) whose last write may not have reached Redis."""

    def __init__(self):
        self._keys: dict[tuple[str, int | None], None] = {}  # an ordered set
        self._lock = threading.Lock()
        self.dropped = 0  # keys not kept past LOST_WRITES_KEPT

    def __bool__(self) -> bool:
        return bool(self._keys)

    def add(self, keys: Iterable, version) -> None:
        with self._lock:
            for key in keys:
                if len(self._keys) < LOST_WRITES_KEPT:
                    self._keys[(key, version)] = None
                else:
                    self.dropped += 1

    def take(self) -> dict:
        """{version: [keys]}, emptying the set (`add` them back if they can't go)."""
        with self._lock:
            taken, self._keys = self._keys, {}
        by_version: dict = {}
        for key, version in taken:
            by_version.setdefault(version, []).append(key)
        return by_version


_LOST_WRITES: dict[str, LostWrites] = {}


class RedisCache(django_redis.RedisCache):
    """Django's RedisCache, failing open (see the module). OPTIONS as Django's, plus
    LOCAL_FALLBACK_PREFIXES: keys, as passed to the cache, served from process memory
    while Redis cannot answer."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self._fallback_prefixes = tuple(options.pop("LOCAL_FALLBACK_PREFIXES", ()))
        super().__init__(server, {**params, "OPTIONS": options})
        self.outage = _outage_for(re.split("[;,]", server) if isinstance(server, str) else server)
        # Every thread's cache object for the same server and prefix shares these.
        name = f"core.cache:{self.outage.where}:{params.get('KEY_PREFIX', '')}"
        local_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        local_params["OPTIONS"] = {"MAX_ENTRIES": 10_000}
        self._local = LocMemCache(name, local_params)  # same name, same storage
        with _OUTAGES_LOCK:
            self._lost = _LOST_WRITES.setdefault(name, LostWrites())

    @property
    def degraded(self) -> bool:
        """Redis failed and has not answered since: the cache is answering without it."""
        return self.outage.degraded

    @property
    def failures(self) -> int:
        """Calls answered without Redis since this process started."""
        return self.outage.failures

    # --- The guard -----------------------------------------------------------------------

    def _guarded(self, call: Callable, answer: Callable, writes=(), version=None):
        """`call()` on Redis, or `answer()` (the fail-open answer) when Redis is skipped
        or fails; `writes`: the keys the call writes, undone if it may not have."""
        if self.outage.skip():
            self._lose(writes, version)
            return answer()
        try:
            if self._lost:
                self._undo_lost_writes()  # before anything is read: no stale answer
            result = call()
        except RedisError as exc:
            self._lose(writes, version)  # before the outage is seen: a probe finds them
            self.outage.failed(exc)
            return answer()
        except Exception:  # Redis answered (e.g. incr of a missing key): Django's error
            self.outage.answered()
            raise
        self.outage.answered()
        return result

    def _lose(self, keys, version) -> None:
        self._lost.add([key for key in keys if not self._local_key(key)], version)

    def _undo_lost_writes(self) -> None:
        for version, keys in self._lost.take().items():
            try:
                super().delete_many(keys, version)
            except RedisError:
                self._lost.add(keys, version)
                raise
            logger.warning("cache: deleted %d keys whose writes Redis may have missed", len(keys))
        if self._lost.dropped:
            logger.warning(
                "cache: %d more writes were lost while Redis was down; those keys keep "
                "their old values until they expire",
                self._lost.dropped,
            )
            self._lost.dropped = 0

    def _local_key(self, key) -> bool:
        return bool(self._fallback_prefixes) and str(key).startswith(self._fallback_prefixes)

    def _split(self, keys: Iterable) -> tuple[list, list]:
        local = [key for key in keys if self._local_key(key)]
        return local, [key for key in keys if not self._local_key(key)]

    # --- Django's public methods -----------------------------------------------------------

    def get(self, key, default=None, version=None):
        local = self._local_key(key)
        return self._guarded(
            lambda: super(RedisCache, self).get(key, default, version),
            lambda: self._local.get(key, default, version) if local else default,
        )

    def get_many(self, keys, version=None):
        keys = list(keys)
        return self._guarded(
            lambda: super(RedisCache, self).get_many(keys, version),
            lambda: self._local.get_many(self._split(keys)[0], version),
        )

    def has_key(self, key, version=None):
        local = self._local_key(key)
        return self._guarded(
            lambda: super(RedisCache, self).has_key(key, version),
            lambda: local and self._local.has_key(key, version),
        )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        local = self._local_key(key)
        return self._guarded(
            lambda: super(RedisCache, self).add(key, value, timeout, version),
            lambda: local and self._local.add(key, value, timeout, version),
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        local = self._local_key(key)
        self._guarded(
            lambda: super(RedisCache, self).set(key, value, timeout, version),
            lambda: self._local.set(key, value, timeout, version) if local else None,
            writes=[key],
            version=version,
        )

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        def answer():
            local, remote = self._split(data)
            return self._local.set_many({k: data[k] for k in local}, timeout, version) + remote

        return self._guarded(
            lambda: super(RedisCache, self).set_many(data, timeout, version),
            answer,
            writes=list(data),
            version=version,
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        local = self._local_key(key)
        return self._guarded(
            lambda: super(RedisCache, self).touch(key, timeout, version),
            lambda: local and self._local.touch(key, timeout, version),
        )

    def delete(self, key, version=None):
        local = self._local_key(key)
        return self._guarded(
            lambda: super(RedisCache, self).delete(key, version),
            lambda: local and self._local.delete(key, version),
            writes=[key],
            version=version,
        )

    def delete_many(self, keys, version=None):
        keys = list(keys)
        self._guarded(
            lambda: super(RedisCache, self).delete_many(keys, version),
            lambda: self._local.delete_many(self._split(keys)[0], version),
            writes=keys,
            version=version,
        )

    def incr(self, key, delta=1, version=None):
        """As Django's; without Redis, a key that is not kept locally is missing
        (ValueError), like any key a cache has lost."""

        def answer():
            if self._local_key(key):
                return self._local.incr(key, delta, version)
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")

        return self._guarded(
            lambda: super(RedisCache, self).incr(key, delta, version),
            answer,
            writes=[key],
            version=version,
        )

    def clear(self):
        self._local.clear()
        return self._guarded(lambda: super(RedisCache, self).clear(), lambda: False)
