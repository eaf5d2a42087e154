"""GET /healthz: can this process serve pages, and which engine is degraded?

Only the database is essential: without it → 503 "error", and a load balancer should
take the process out. Without Redis the site still serves every page (uncached) and
every action (events wait for the sweeper), so a cache or broker that is down or frozen
gives 200 "degraded" naming the part: taking every web process out because the cache is
down would turn a slow site into no site. Each Redis check is bounded by the short
socket timeouts of the settings (REDIS_CONNECT_TIMEOUT, REDIS_SOCKET_TIMEOUT), so the
answer comes within a second whatever Redis does.

The outbox check says how much background work is owed (creators/outbox.py: events not
finished, fan-out chunks not done, immediate emails not sent — each counted up to 10,000,
with the age of the oldest) and is "degraded" when the oldest is older than
OUTBOX_DEGRADED_MINUTES: the sweeper should have recovered it by then, so workers are
down, stuck or far behind. Three queries over small partial indexes.
"""

import logging
import threading
import uuid
from functools import partial

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.tasks import broker_recently_failed
from creators import outbox
from relcommerce.celery import app as celery_app

logger = logging.getLogger(__name__)


class Degraded(Exception):
    """The part does not work, but pages are served without it."""


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    """A write and a read. The fail-open cache (core/cache.py) never raises: it says
    whether it answered without Redis, and while its breaker is open it does not wait."""
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if getattr(cache, "degraded", False):
        raise Degraded("Redis unreachable, pages served uncached")
    if cache.get(key) != "1":
        raise Degraded("the cache did not return the value just written")
    return "ok"


def _check_broker() -> str:
    """A PING with the short timeouts (kombu's own connect retries for seconds), and
    whether a publish failed lately (core/tasks.py then holds publishes off)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (tasks run in-process)"
    url = celery_app.conf.broker_url
    if url.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        )
        try:
            client.ping()
        except redis.RedisError as exc:
            raise Degraded(f"{exc.__class__.__name__}; events wait for the sweeper") from exc
        finally:
            client.close()
    else:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=settings.REDIS_CONNECT_TIMEOUT)
    if broker_recently_failed():
        raise Degraded("a publish failed lately; events wait for the sweeper")
    return "ok"


def _check_outbox(backlog: dict) -> str:
    found = outbox.outbox_backlog()
    backlog.update(found.as_dict())
    if found.degraded():
        minutes = found.oldest_age_seconds() / 60
        raise Degraded(f"work unfinished for {minutes:.0f} min; see manage.py outbox_status")
    return "ok"


CHECKS = {
    "database": _check_database,
    "cache": _check_cache,
    "broker": _check_broker,
    "outbox": _check_outbox,
}
ESSENTIAL = {"database"}


def _run(name: str, check, results: dict, failing: set) -> None:
    try:
        results[name] = check()
    except Degraded as exc:
        logger.warning("healthz: %s degraded: %s", name, exc)
        results[name] = f"degraded: {exc}"
        failing.add(name)
    except Exception as exc:  # any failure of an engine, with why
        logger.warning("healthz: %s check failed: %s", name, exc)
        results[name] = f"error: {exc.__class__.__name__}"
        failing.add(name)


@never_cache
@require_GET
def healthz(request):
    results, failing, backlog = {}, set(), {}
    # The broker's PING runs beside the others (its own connection), so a frozen Redis
    # costs the answer one socket timeout, not one for the cache plus one for the broker.
    broker = threading.Thread(target=_run, args=("broker", CHECKS["broker"], results, failing))
    broker.start()
    for name, check in CHECKS.items():
        if name == "outbox":
            _run(name, partial(check, backlog), results, failing)
        elif name != "broker":
            _run(name, check, results, failing)
    broker.join()
    status = "error" if failing & ESSENTIAL else "degraded" if failing else "ok"
    body = {
        "status": status,
        "checks": {name: results[name] for name in CHECKS},
        "cache": {
            "degraded": bool(getattr(cache, "degraded", False)),
            "failures": getattr(cache, "failures", 0),  # calls answered without Redis
        },
        "broker": {"recently_failed": broker_recently_failed()},
        "outbox": backlog,
    }
    return JsonResponse(body, status=503 if status == "error" else 200)
