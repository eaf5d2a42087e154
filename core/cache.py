"""Django's Redis cache backend, with one client per pool and keys tracked in memory.

One client per pool: `django.core.cache.backends.redis.RedisCacheClient.get_client`
builds a new `redis.Redis` for every cache call, and each one copies redis-py's table of
~170 response callbacks: ≈ 0.13 ms per call here, more than the network round trip of a
replayed page. A `redis.Redis` is thread-safe and shares its connection pool (which
handles forks), so one per pool is enough.

Tracked keys (OPTIONS["TRACKED_KEY_PREFIXES"]): small keys read on every request and
rarely written, like the page cache's version tokens, are kept in the process and served
from memory until Redis says they changed. That is Redis's server-assisted client-side
caching (CLIENT TRACKING, broadcast mode): each process holds one connection that asks to
be told of every change to keys under the prefixes, and reads what it was told before
each use of a value it holds. Redis queues that message in the same event-loop turn in
which it answers the write, so by the time the writer's transaction has moved on, the
news is waiting on every reader's socket. A value is also never used past
`TRACKED_MAX_AGE` seconds, and nothing is served from memory while that connection is
down: the worst a silent network failure can do is what an outage always did.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.core.cache.backends import redis as django_redis
from redis import ConnectionPool
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_RECONNECT_AFTER = 1.0  # seconds before trying again after the connection failed


class TrackedKeys:
    """This process's copies of the keys under `prefixes`, dropped when they change."""

    def __init__(self, url: str, prefixes: list[str], max_age: float):
        self._url = url
        self._prefixes = tuple(prefixes)
        self._max_age = max_age
        self._lock = threading.RLock()
        self._values: dict[str, tuple[object, float]] = {}  # key -> (raw value, read at)
        self._connection = None
        self.client_id = None  # the tracking connection's, as CLIENT LIST shows it
        self._pid = None
        self._retry_at = 0.0
        self.changes = 0  # invalidations seen: a read that straddles one is not kept

    def tracks(self, key: str) -> bool:
        return key.startswith(self._prefixes)

    def read(self, keys: list[str]) -> tuple[dict[str, object], int | None]:
        """(the keys held and fresh, the change count to pass to `keep`), or ({}, None)
        when not listening: then every key must be read from Redis."""
        with self._lock:
            if not self._listening():
                return {}, None
            oldest = time.monotonic() - self._max_age
            held = {}
            for key in keys:
                value = self._values.get(key)
                if value is not None and value[1] >= oldest:
                    held[key] = value[0]
            return held, self.changes

    def keep(self, values: dict[str, object], changes: int | None, read_at: float) -> None:
        """Hold values read from Redis since `read` returned `changes`, unless a change
        was announced meanwhile (it may be one of them: read them again next time)."""
        if changes is None or not values:
            return
        with self._lock:
            if self._listening() and self.changes == changes:
                self._values.update({key: (value, read_at) for key, value in values.items()})

    # --- The tracking connection --------------------------------------------------------

    def _listening(self) -> bool:
        """Apply every announced change; False when not connected (nothing is served)."""
        if self._pid != os.getpid():  # a forked worker: the parent's socket isn't ours
            self._connection, self._pid = None, os.getpid()
            self._values.clear()
        if self._connection is None and not self._connect():
            return False
        try:
            while self._connection.can_read(timeout=0):
                self._apply(self._connection.read_response())
        except (RedisError, OSError) as exc:
            logger.warning("cache: tracking connection lost (%s); reading from Redis", exc)
            self._disconnect()
            return False
        return True

    def _connect(self) -> bool:
        if time.monotonic() < self._retry_at:
            return False
        connection = None
        try:
            # Its own RESP2 connection: invalidations come as pub/sub messages that
            # read_response returns (RESP3 would hand them to push handlers instead).
            connection = ConnectionPool.from_url(self._url, protocol=2).make_connection()
            connection.connect()
            connection.send_command("CLIENT", "ID")
            client_id = connection.read_response()
            # Redirected to itself: one socket both asks and hears, so losing it is seen.
            prefixes = [part for prefix in self._prefixes for part in ("PREFIX", prefix)]
            connection.send_command(
                "CLIENT", "TRACKING", "ON", "REDIRECT", client_id, "BCAST", *prefixes
            )
            connection.read_response()
            connection.send_command("SUBSCRIBE", "__redis__:invalidate")
            connection.read_response()
        except (RedisError, OSError, ValueError) as exc:
            logger.warning("cache: no tracking connection (%s); reading from Redis", exc)
            if connection is not None:
                connection.disconnect()
            self._retry_at = time.monotonic() + _RECONNECT_AFTER
            return False
        self._connection, self.client_id = connection, client_id
        self._values.clear()  # changes made while not listening were not heard
        return True

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.disconnect()
        self._connection = None
        self._values.clear()
        self.changes += 1
        self._retry_at = time.monotonic() + _RECONNECT_AFTER

    def _apply(self, message) -> None:
        if not (isinstance(message, list) and len(message) == 3 and message[0] == b"message"):
            return  # e.g. the answer to a health-check PING
        self.changes += 1
        keys = message[2]
        if keys is None:  # FLUSHDB / FLUSHALL
            self._values.clear()
            return
        for key in keys:
            self._values.pop(key.decode() if isinstance(key, bytes) else key, None)


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, tracked_prefixes=(), tracked_max_age=5.0, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._tracked = (
            TrackedKeys(self._servers[0], list(tracked_prefixes), tracked_max_age)
            if tracked_prefixes
            else None
        )

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def get(self, key, default):
        if self._tracked is None or not self._tracked.tracks(key):
            return super().get(key, default)
        return self.get_many([key]).get(key, default)

    def get_many(self, keys):
        tracked = self._tracked
        keys = list(keys)
        if tracked is None or not any(map(tracked.tracks, keys)):
            return super().get_many(keys)
        held, changes = tracked.read([key for key in keys if tracked.tracks(key)])
        missing = [key for key in keys if key not in held]
        read_at = time.monotonic()
        raw = dict(zip(missing, self.get_client().mget(missing), strict=True)) if missing else {}
        tracked.keep(
            {k: v for k, v in raw.items() if v is not None and tracked.tracks(k)}, changes, read_at
        )
        found = {**held, **{k: v for k, v in raw.items() if v is not None}}
        return {key: self._serializer.loads(value) for key, value in found.items()}


class RedisCache(django_redis.RedisCache):
    """OPTIONS: TRACKED_KEY_PREFIXES (cache keys, as passed to get/set, whose values are
    held in memory as the module says) and TRACKED_MAX_AGE (seconds, default 5)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        options = dict(self._options)
        prefixes = options.pop("TRACKED_KEY_PREFIXES", ())
        max_age = float(options.pop("TRACKED_MAX_AGE", 5.0))
        if prefixes:
            options["tracked_prefixes"] = [self.make_key(prefix) for prefix in prefixes]
            options["tracked_max_age"] = max_age
        self._options = options
