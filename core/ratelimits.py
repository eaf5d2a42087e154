"""Rate limits on writes: a fixed-window counter per user (or IP) and action, in the cache.

The cache is Redis on the real stack, so limits hold across web processes; on the
embedded default they are per process, which is enough for one developer.

While Redis is unreachable the counters (keys under "ratelimit:", listed in the cache's
LOCAL_FALLBACK_PREFIXES in settings) are kept in each process's memory by the cache
backend (core/cache.py): limits still hold per process — at most as many times looser
as there are web processes — and a request is never refused, or failed, because Redis
is down. The backend logs the outage. When Redis answers again the shared counters take
over; what was counted in memory meanwhile is forgotten.
"""

import math
import time
from dataclasses import dataclass
from functools import wraps

from django.core.cache import cache
from django.shortcuts import render

from core.http import client_ip

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """'5/h' is five per hour; '10/15m' is ten per fifteen minutes."""
        count, period = text.split("/")
        amount = int(period[:-1] or 1)
        return cls(count=int(count), seconds=amount * _UNITS[period[-1]])


def _who(request) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_ip(request)}"


def rate_limit_consume(*, request, action: str, rate: Rate) -> int:
    """Count one attempt; return 0 if allowed, else the seconds until the window resets."""
    now = time.time()
    window = int(now // rate.seconds)
    key = f"ratelimit:{action}:{_who(request)}:{window}"
    cache.add(key, 0, timeout=rate.seconds + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=rate.seconds + 1)
        used = 1
    if used <= rate.count:
        return 0
    return max(1, math.ceil((window + 1) * rate.seconds - now))


def _limited_page(request, minutes: int):
    return render(request, "rate_limited.html", {"retry_minutes": minutes}, status=429)


def rate_limited(action: str, rate: str, methods=("POST",), limited_response=_limited_page):
    """Refuse a view's writes past `rate` with a 429 page that says when to retry.

    `limited_response(request, minutes)` may answer differently (e.g. an htmx partial,
    which htmx swaps only when it is not an error status)."""
    parsed = Rate.parse(rate)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods:
                retry_after = rate_limit_consume(request=request, action=action, rate=parsed)
                if retry_after:
                    response = limited_response(request, math.ceil(retry_after / 60))
                    response["Retry-After"] = str(retry_after)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
