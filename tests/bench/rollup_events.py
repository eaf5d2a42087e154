"""Events at the metrics issue's scale: N engagement events over 90 days for the seeded
creators, written set-based in PostgreSQL, for timing the metrics roll-up
(tests/bench/rollup.py drives it; it can be run alone too).

    DATABASE_URL=postgres://…/relcommerce_bench_rollup DJANGO_SETTINGS_MODULE=relcommerce.settings \
        python -m tests.bench.rollup_events --events 1000000

Mix per 40 events: 6 follows, 8 comments, 2 questions, 4 creator replies, 14 reactions,
3 placed and 3 paid orders (amount and buyer in the payload), as the services record
them. Events go to each creator in turn, evenly in time; each creator's fans are a
community of 100 (`COMMUNITY`, overlapping between creators); a creator's reply answers
that creator's comment of some 8 rounds earlier (`parent_id`, with the true
`response_seconds` — about 17 hours at a million events).
`--hours 1` writes one hour's worth instead (N / 2,160 events, ending now), `--late`
adds events dated at given days in the past, as a late import would.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta

INSERT = """
INSERT INTO {table} (kind, actor_id, creator_id, target_type_id, target_id, payload,
                     created_at, dispatched_at)
SELECT CASE m WHEN 0 THEN 'follow' WHEN 1 THEN 'comment' WHEN 2 THEN 'question'
              WHEN 3 THEN 'creator_reply' WHEN 4 THEN 'reaction' WHEN 5 THEN 'order_placed'
              ELSE 'order_paid' END,
       CASE WHEN m = 3 THEN c.users[1 + g %% c.n] ELSE fan END,
       c.ids[1 + g %% c.n], NULL, g,
       CASE WHEN m = 3 THEN jsonb_build_object(
                'parent_id', g - %(reply_back)s * c.n, 'response_seconds', %(reply_seconds)s)
            WHEN m >= 5 THEN jsonb_build_object(
                'order', 'B' || g, 'amount', ((g %% 90) + 10)::text || '.00',
                'currency', 'EUR', 'buyer_id', fan)
            ELSE '{{}}'::jsonb END,
       t, t
FROM generate_series(%(first)s, %(last)s) AS g,
     (SELECT %(ids)s::bigint[] AS ids, %(users)s::bigint[] AS users, %(n)s AS n) c,
     LATERAL (SELECT (g + g / c.n) %% 40 AS r) k0,
     LATERAL (SELECT CASE WHEN r < 6 THEN 0 WHEN r < 14 THEN 1 WHEN r < 16 THEN 2
                          WHEN r < 20 THEN 3 WHEN r < 34 THEN 4 WHEN r < 37 THEN 5
                          ELSE 6 END AS m) k,
     LATERAL (SELECT %(start)s::timestamptz
                     + ((g - %(first)s + 1)::float / %(total)s) * %(span)s::interval AS t) s,
     LATERAL (SELECT (%(fans)s::bigint[])[1 + ((g %% c.n) * 53
                     + ((g / c.n) * 7919) %% %(community)s) %% %(n_fans)s] AS fan) f
"""
EVENTS_PER_HOUR_DIVISOR = 90 * 24  # the main batch spreads its events over 90 days
COMMUNITY = 100  # fans per creator
MIX = 40  # kinds repeat every 40 events of a creator


def _reply_back(creators: int) -> int:
    """How many rounds (of one event per creator) back a reply's comment is: the
    smallest d with (d·(n+1)) mod 40 = 8, which takes a reply's slot of the mix (16–19)
    to a comment's (8–11), for the same creator. 0 when no such d (replies then point
    at no comment)."""
    for back in range(1, MIX + 1):
        if back * (creators + 1) % MIX == 8:
            return back
    return 0


def write_events(total: int, *, start: datetime, end: datetime, analyze: bool = True) -> int:
    """`total` events evenly between `start` and `end`; returns how many were written."""
    from django.db import connection
    from psycopg2 import sql

    from creators.models import CreatorProfile, EngagementEvent, User

    profiles = list(CreatorProfile.objects.order_by("pk").values_list("pk", "user_id"))
    fans = list(
        User.objects.filter(creator_profile__isnull=True, is_staff=False).values_list(
            "pk", flat=True
        )
    )
    table = sql.Identifier(EngagementEvent._meta.db_table)
    back = _reply_back(len(profiles))
    # The time between a comment and the reply `back` rounds later, as the events are
    # spread evenly: the reply's response_seconds.
    reply_seconds = int((end - start).total_seconds() * back * len(profiles) / max(total, 1))
    with connection.cursor() as cur:
        # Target ids and order numbers continue after the ones already written.
        cur.execute(sql.SQL("SELECT COALESCE(MAX(id), 0) FROM {}").format(table))
        first = cur.fetchone()[0] + 1
        cur.execute(
            sql.SQL(INSERT).format(table=table),
            {
                "first": first,
                "last": first + total - 1,
                "total": total,
                "start": start,
                "span": end - start,
                "ids": [p for p, _ in profiles],
                "users": [u for _, u in profiles],
                "n": len(profiles),
                "fans": fans,
                "n_fans": len(fans),
                "community": min(COMMUNITY, len(fans)),
                "reply_back": back,
                "reply_seconds": reply_seconds,
            },
        )
        if analyze:
            cur.execute(sql.SQL("ANALYZE {}").format(table))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90, help="spread over this many days")
    parser.add_argument(
        "--hours", type=float, help="write one hour's share of --events, ending now, instead"
    )
    parser.add_argument(
        "--late", default="", help="comma-separated days ago: one late event at each"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.utils import timezone

    started = time.monotonic()
    now = timezone.now()
    if args.hours:
        total = max(1, round(args.events * args.hours / EVENTS_PER_HOUR_DIVISOR))
        write_events(total, start=now - timedelta(hours=args.hours), end=now, analyze=False)
    else:
        total = write_events(args.events, start=now - timedelta(days=args.days), end=now)
    for days in filter(None, args.late.split(",")):
        moment = now - timedelta(days=float(days))
        write_events(1, start=moment - timedelta(seconds=1), end=moment, analyze=False)
    print(f"bench: {total:,} events written ({time.monotonic() - started:.0f}s)")


if __name__ == "__main__":
    main()
