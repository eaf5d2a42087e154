"""Creators' time zones: IANA names, validated against zoneinfo.

Everything is stored in UTC; a creator's time zone decides where their days begin and
end in the metrics roll-up (creators/rollup.py) and how the dashboard shows dates and
times (docs/metrics.md, "Days and time zones").
"""

from collections import defaultdict
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

TIME_ZONE_MAX_LENGTH = 64
# The regions of the tz database whose zones are named Region/City; the select offers
# these (and UTC), not the database's aliases ("US/Eastern", "Etc/GMT+5", "EST5EDT").
REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@cache
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for a stored name; UTC for a name this machine does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_valid(name: str) -> bool:
    if not name or len(name) > TIME_ZONE_MAX_LENGTH:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def default_time_zone() -> str:
    """New creators start in the site's TIME_ZONE (UTC unless configured)."""
    name = settings.TIME_ZONE or "UTC"
    return name if is_valid(name) else "UTC"


def validate_time_zone(value: str) -> None:
    if not is_valid(value):
        raise ValidationError(
            "“%(value)s” is not a time zone. Choose one from the list, e.g. Europe/Paris.",
            code="invalid_time_zone",
            params={"value": value},
        )


def _offset(name: str, at: datetime) -> str:
    delta = at.astimezone(ZoneInfo(name)).utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


@cache
def _region_zones() -> tuple[tuple[str, tuple[str, ...]], ...]:
    grouped = defaultdict(list)
    for name in available_timezones():
        region, _, city = name.partition("/")
        if region in REGIONS and city:
            grouped[region].append(name)
    return tuple((region, tuple(sorted(grouped[region]))) for region in REGIONS if grouped[region])


def label(name: str, *, at: datetime | None = None) -> str:
    """“New York (UTC−05:00)”: the city part, readable, with today's offset."""
    city = name.partition("/")[2] or name
    return f"{city.replace('_', ' ').replace('/', ' – ')} ({_offset(name, at or timezone.now())})"


def choices(*, current: str = "") -> list:
    """Grouped choices for a select: UTC first, then one group per region, cities
    sorted, each labelled with its offset today. A current value outside the list (an
    alias set by staff) is kept so that saving the form does not reject it."""
    now = timezone.now()
    options: list = [("UTC", "UTC (UTC+00:00)")]
    known = {"UTC"}
    for region, names in _region_zones():
        options.append((region, [(name, label(name, at=now)) for name in names]))
        known.update(names)
    if current and current not in known and is_valid(current):
        options.insert(1, (current, f"{current} ({_offset(current, now)})"))
    return options
