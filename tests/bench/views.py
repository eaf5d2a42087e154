"""The bare-Django baseline every page of `make bench` is compared with.

Both views run through the project's full middleware stack but do no database work:
`plain` is the floor of a Django response on this server, `rows` adds the template
engine rendering a 50-row table (data built once at import, so only rendering is timed).
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import render

ROW_COUNT = 50
_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
ROWS = [
    {
        "number": n,
        "name": f"Creator number {n} & friends",
        "handle": f"creator_{n}",
        "price": Decimal(n * 7) + Decimal("0.99"),
        "joined": _EPOCH + timedelta(days=n),
    }
    for n in range(1, ROW_COUNT + 1)
]


def plain(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def rows(request):
    return render(request, "bench/rows.html", {"rows": ROWS})
