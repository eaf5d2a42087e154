"""Demo posts for `seed_demo`: a few believable posts per demo creator over ~90 days.

Kept apart from demo.py so the social phase can grow (comments, reactions) without
touching the creator and product phases. Deterministic: each creator's posts come from
a `random.Random` keyed by (seed, handle). Idempotent: a creator who already has posts
is skipped, and each creator's posts are written in one transaction, so an interrupted
run leaves whole creators done or not started.

Posts are history, so they are bulk-inserted with their past timestamps rather than
published through `creators.posts` (which stamps "now"); each gets its
`post_published` event at the same moment, already dispatched, like the seeded follows.
"""

import random
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from core.rich_text import markdown_to_html
from creators.models import (
    CreatorProfile,
    EngagementEvent,
    EventKind,
    Post,
    PostStatus,
    PostVisibility,
)
from shops.models import PostProduct, Product, ProductStatus

POSTS_PER_CREATOR = (3, 6)  # inclusive range
HISTORY_DAYS = 90

# (body, is_question, features products, followers only). `{name}` is the display name,
# `{product}` the first featured product's title.
TEMPLATES: tuple[tuple[str, bool, bool, bool], ...] = (
    (
        "**New batch is live.** {product} came out of this round better than I hoped — "
        "there are only a few, so if you've been waiting, now's the moment.",
        False,
        True,
        False,
    ),
    (
        "Quick question before I plan next month: what should I make more of? "
        "Tell me what you'd actually use, and I'll make that first.",
        True,
        False,
        False,
    ),
    (
        "Behind the scenes today: a slow morning, a full workbench and one thing that "
        "went wrong (it always does). Here's what I learned from it:\n\n"
        "- measure twice\n- then measure again\n- keep notes, always",
        False,
        False,
        False,
    ),
    (
        "Early look for followers: {product} is back, and you see it before anyone else. "
        "Thank you for being here from the start.",
        False,
        True,
        True,
    ),
    (
        "Which do you prefer: the classic version or the new one? I read every reply.",
        True,
        True,
        False,
    ),
    (
        "A small thank-you note: this month {name} shipped more orders than ever. "
        "Every one of them was packed by hand. You make this possible.",
        False,
        False,
        False,
    ),
    (
        "What got you into handmade things in the first place? I'll share my story "
        "in the next post.",
        True,
        False,
        False,
    ),
    (
        "Restocked: {product}. Also trying a new packaging — less plastic, more paper. "
        "Tell me if it arrives in one piece!",
        False,
        True,
        False,
    ),
)


def posts_seed(*, seed: int, profiles: list[CreatorProfile], now: datetime) -> tuple[int, int]:
    """Give every creator without posts a few; returns (posts created, events created)."""
    post_type = ContentType.objects.get_for_model(Post)
    with_posts = set(
        Post.objects.filter(creator_id__in=[p.user_id for p in profiles])
        .values_list("creator_id", flat=True)
        .distinct()
    )
    posts_created = events_created = 0
    for profile in profiles:
        if profile.user_id in with_posts:
            continue
        with transaction.atomic():
            made = _creator_posts(seed=seed, profile=profile, now=now, post_type=post_type)
        posts_created += made
        events_created += made
    return posts_created, events_created


def _creator_posts(*, seed: int, profile: CreatorProfile, now: datetime, post_type) -> int:
    rng = random.Random(f"{seed}:posts:{profile.handle}")
    products = list(
        Product.objects.filter(shop__creator=profile, status=ProductStatus.PUBLISHED).order_by(
            "id"
        )[:20]
    )
    count = rng.randint(*POSTS_PER_CREATOR)
    templates = rng.sample(TEMPLATES, k=min(count, len(TEMPLATES)))
    # Distinct moments over the last 90 days, oldest first.
    offsets = sorted((rng.randint(3600, HISTORY_DAYS * 86400) for _ in templates), reverse=True)
    posts, tagged = [], []
    for (body, is_question, features, followers_only), offset in zip(
        templates, offsets, strict=True
    ):
        featured = rng.sample(products, k=min(len(products), rng.randint(1, 2))) if features else []
        text = body.format(
            name=profile.display_name,
            product=f"“{featured[0].title}”" if featured else "my favourite piece",
        )
        published_at = now - timedelta(seconds=offset)
        posts.append(
            Post(
                creator_id=profile.user_id,
                body=text,
                body_html=markdown_to_html(text),
                is_question=is_question,
                status=PostStatus.PUBLISHED,
                visibility=PostVisibility.FOLLOWERS if followers_only else PostVisibility.PUBLIC,
                published_at=published_at,
                created_at=published_at,
            )
        )
        tagged.append(featured)
    Post.objects.bulk_create(posts)
    PostProduct.objects.bulk_create(
        PostProduct(post=post, product=product, position=index)
        for post, featured in zip(posts, tagged, strict=True)
        for index, product in enumerate(featured)
    )
    EngagementEvent.objects.bulk_create(
        EngagementEvent(
            kind=EventKind.POST_PUBLISHED,
            actor_id=profile.user_id,
            creator=profile,
            target_type=post_type,
            target_id=post.pk,
            payload={
                "visibility": post.visibility,
                "is_question": post.is_question,
                "scheduled": False,
            },
            created_at=post.published_at,
            dispatched_at=post.published_at,
        )
        for post in posts
    )
    return len(posts)
