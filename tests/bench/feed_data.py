"""Feed data for `make bench`: a million posts and a fan who follows 500 creators.

seed_demo writes a few believable posts per demo creator; the feed's benchmark needs the
issue's scale instead — 1,000,000 published posts over the seeded creators and one fan
(the bench's signed-in fan) following 500 of them — so this writes them set-based in
PostgreSQL (`generate_series`), in a few seconds rather than through a million service
calls. Posts are spread over two years with distinct timestamps per creator.

    python -m tests.bench.feed_data --posts 1000000 --follows 500
"""

from __future__ import annotations

import argparse
import time

BODY = "A studio note: what we made this week, and what is coming next."


def write_posts(total: int) -> int:
    from django.db import connection
    from psycopg2 import sql

    from creators.models import CreatorProfile, Post

    creator_ids = list(
        CreatorProfile.objects.filter(user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    missing = total - Post.objects.filter(status="published").count()
    if missing <= 0 or not creator_ids:
        return 0
    body_html = f"<p>{BODY}</p>"
    with connection.cursor() as cur:
        # Post n goes to creator n mod C, published n minutes after a point two years ago.
        cur.execute(
            sql.SQL("""
            INSERT INTO {}
                (creator_id, body, body_html, link_url, is_question, status, visibility,
                 publish_at, published_at, created_at, updated_at)
            SELECT ids.creator_ids[1 + (g %% array_length(ids.creator_ids, 1))],
                   %s, %s, '', (g %% 17 = 0), 'published',
                   CASE WHEN g %% 11 = 0 THEN 'followers' ELSE 'public' END,
                   NULL, t, t, t
            FROM generate_series(1, %s) AS g,
                 LATERAL (SELECT now() - interval '730 days' + g * interval '1 minute' / 2 AS t) s,
                 (SELECT %s::bigint[] AS creator_ids) ids
            """).format(sql.Identifier(Post._meta.db_table)),
            [BODY, body_html, missing, creator_ids],
        )
        cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(Post._meta.db_table)))
    return missing


def follow_creators(email: str, count: int) -> int:
    from creators.models import CreatorProfile, Follow, User

    fan = User.objects.get(email=email)
    followed = set(Follow.objects.filter(follower=fan).values_list("followed_id", flat=True))
    wanted = (
        CreatorProfile.objects.filter(user__is_active=True)
        .exclude(user=fan)
        .order_by("user_id")
        .values_list("user_id", flat=True)[:count]
    )
    rows = [Follow(follower=fan, followed_id=uid) for uid in wanted if uid not in followed]
    Follow.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def deep_cursor(email: str, page: int, per_page: int) -> str:
    """The cursor that opens page `page` of the fan's feed (what "Older posts" links to)."""
    from creators import feed
    from creators.models import Follow, Post, User

    followed = Follow.objects.filter(follower=User.objects.get(email=email)).values("followed_id")
    published_at, post_id = (
        Post.objects.filter(status="published", creator__in=followed)
        .order_by("-published_at", "-id")
        .values_list("published_at", "id")[(page - 1) * per_page - 1]
    )
    return feed.Cursor(published_at=published_at, id=post_id).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--follows", type=int, default=500)
    parser.add_argument("--fan", help="email of the fan who follows (default: the bench fan)")
    args = parser.parse_args()

    import django

    django.setup()
    from tests.bench import fans

    email = args.fan or fans.seeded_fans(1)[0].email
    started = time.monotonic()
    written = write_posts(args.posts)
    followed = follow_creators(email, args.follows)
    print(
        f"bench: feed data: {written:,} posts written, {email} follows {followed} more "
        f"creators ({time.monotonic() - started:.0f}s)"
    )


if __name__ == "__main__":
    main()
