"""Events at the metrics issue's scale: N engagement events over 90 days for the seeded
creators, written set-based in PostgreSQL, for timing `manage.py metrics_rollup`.

    DATABASE_URL=postgres://…/relcommerce_bench_rollup python -m tests.bench.rollup_events \
        --events 1000000

Mix per 40 events: 6 follows, 8 comments, 2 questions, 4 creator replies (answering a
comment of the same creator, with response_seconds), 14 reactions, 3 placed and 3 paid
orders (amount and buyer in the payload), as the services record them.
"""

from __future__ import annotations

import argparse
import time

INSERT = """
INSERT INTO {table} (kind, actor_id, creator_id, target_type_id, target_id, payload,
                     created_at, dispatched_at)
SELECT CASE m WHEN 0 THEN 'follow' WHEN 1 THEN 'comment' WHEN 2 THEN 'question'
              WHEN 3 THEN 'creator_reply' WHEN 4 THEN 'reaction' WHEN 5 THEN 'order_placed'
              ELSE 'order_paid' END,
       CASE WHEN m = 3 THEN c.users[1 + g %% c.n] ELSE fan END,
       c.ids[1 + g %% c.n], NULL, g,
       CASE WHEN m = 3 THEN jsonb_build_object(
                'parent_id', g - 40, 'response_seconds', g %% 200000)
            WHEN m >= 5 THEN jsonb_build_object(
                'order', 'B' || g, 'amount', ((g %% 90) + 10)::text || '.00',
                'currency', 'EUR', 'buyer_id', fan)
            ELSE '{{}}'::jsonb END,
       t, t
FROM generate_series(1, %s) AS g,
     LATERAL (SELECT CASE WHEN g %% 40 < 6 THEN 0 WHEN g %% 40 < 14 THEN 1
                          WHEN g %% 40 < 16 THEN 2 WHEN g %% 40 < 20 THEN 3
                          WHEN g %% 40 < 34 THEN 4 WHEN g %% 40 < 37 THEN 5
                          ELSE 6 END AS m) k,
     LATERAL (SELECT now() - interval '90 days' + (g::float / %s) * interval '90 days' AS t) s,
     (SELECT %s::bigint[] AS ids, %s::bigint[] AS users, %s AS n) c,
     LATERAL (SELECT (%s::bigint[])[1 + (g::bigint * 7919) %% %s] AS fan) f
"""


def write_events(total: int) -> None:
    from django.db import connection
    from psycopg2 import sql

    from creators.models import CreatorProfile, EngagementEvent, User

    profiles = list(CreatorProfile.objects.order_by("pk").values_list("pk", "user_id"))
    fans = list(
        User.objects.filter(creator_profile__isnull=True, is_staff=False).values_list(
            "pk", flat=True
        )
    )
    query = sql.SQL(INSERT).format(table=sql.Identifier(EngagementEvent._meta.db_table))
    ids, users = [p for p, _ in profiles], [u for _, u in profiles]
    with connection.cursor() as cur:
        cur.execute(query, [total, total, ids, users, len(ids), fans, len(fans)])
        cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(EngagementEvent._meta.db_table)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()

    import django

    django.setup()
    started = time.monotonic()
    write_events(args.events)
    print(f"bench: {args.events:,} events written ({time.monotonic() - started:.0f}s)")


if __name__ == "__main__":
    main()
