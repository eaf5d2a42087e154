"""Demo public fans for `seed_demo`: some of the demo buyers make their profile public and
show some of their purchases, the demo fan (fan 1, private) follows a few of them and
saves a few products — so product pages say "Ana, Li and 5 other fans bought this", and
the demo fan's feed has "From people you follow".

Through the real use cases (`fan_profile_update`, `order_set_shown`, `fan_follow_create`,
`saved_add`); every choice comes from a `random.Random` keyed by the seed and natural
keys, and every use case is idempotent, so a second run writes nothing.
"""

import random

from django.db.models import F, Max

from creators.fans import fan_follow_create, fan_profile_update
from creators.models import EngagementEvent, FanProfile, User
from relcommerce.demo_reviews import REVIEWER_POOL
from shops.models import Order, Product, ProductStatus
from shops.orders import PAID_STATUSES
from shops.saved import saved_add
from shops.social_proof import order_set_shown

PUBLIC_CHANCE = 0.6
SHOW_CHANCE = 0.7
FOLLOWED_BY_DEMO_FAN = 4
SAVED_BY_DEMO_FAN = 3
BIOS = [
    "Collecting mugs, one glaze at a time.",
    "Slow mornings, linen and good coffee.",
    "I buy less, but I buy from people.",
    "Plant parent. Ceramics enthusiast.",
    "Gifts for everyone, and one for me.",
]


def _rng(seed: int, *keys) -> random.Random:
    return random.Random(":".join(map(str, (seed, "tastemakers", *keys))))


def tastemakers_seed(*, seed: int, fan_ids: list[tuple[int, int]]) -> int:
    """Make some demo buyers public tastemakers; returns how many profiles are public."""
    events_before = EngagementEvent.objects.aggregate(last=Max("id"))["last"] or 0
    pool = sorted(fan_ids)[:REVIEWER_POOL]
    users = User.objects.in_bulk([user_id for _, user_id in pool])
    demo_fan = users.get(pool[0][1]) if pool and pool[0][0] == 1 else None
    public = []
    for index, user_id in pool[1:]:  # the demo fan keeps the default: private
        user = users.get(user_id)
        if user is None or not user.name:
            continue
        rng = _rng(seed, index)
        if rng.random() >= PUBLIC_CHANCE:
            continue
        if not FanProfile.objects.filter(user=user, is_public=True).exists():
            fan_profile_update(user=user, name=user.name, is_public=True, bio=rng.choice(BIOS))
        public.append(user)
        for order in Order.objects.filter(buyer=user, status__in=PAID_STATUSES).order_by("pk"):
            if _rng(seed, index, order.number).random() < SHOW_CHANCE:
                order_set_shown(order=order, buyer=user, show=True)
    if demo_fan is not None:
        for tastemaker in public[:FOLLOWED_BY_DEMO_FAN]:
            fan_follow_create(follower=demo_fan, followed=tastemaker)
        products = Product.objects.filter(status=ProductStatus.PUBLISHED).order_by(
            "-sales_count", "pk"
        )[:SAVED_BY_DEMO_FAN]
        for product in products:
            saved_add(user=demo_fan, product_id=product.pk)
    # Like the rest of the demo history, this is not new work for the event pipeline.
    EngagementEvent.objects.filter(pk__gt=events_before, dispatched_at__isnull=True).update(
        dispatched_at=F("created_at")
    )
    return len(public)
