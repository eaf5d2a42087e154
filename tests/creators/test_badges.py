"""Fan badge rules on hand-built engagement events (docs/metrics.md, "Fan badges")."""

from datetime import timedelta

import pytest

from creators.badges import badges_for_fans, badges_rebuild, top_fans_limit
from creators.models import BadgeKind, FanBadge
from tests.creators.metrics_events import K, at, comment, event, order, review
from tests.factories import CreatorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

B = BadgeKind
NOW = at(days=100)  # the scenarios' "now": day 100 after DAY


@pytest.fixture
def shop():
    return CreatorProfileFactory(handle="ana_makes")


def fans(n):
    return [UserFactory(name=f"Fan {i}") for i in range(n)]


def holders(creator, kind) -> list[int]:
    """Fan ids holding `kind` with `creator`, by rank (then id)."""
    return list(
        FanBadge.objects.filter(creator=creator, kind=kind)
        .order_by("rank", "fan_id")
        .values_list("fan_id", flat=True)
    )


def rebuild():
    return badges_rebuild(now=NOW)


# --- First supporters ----------------------------------------------------------------


def test_first_supporters_are_the_first_n_buyers_in_order_of_their_first_paid_order(shop, settings):
    settings.FAN_BADGE_FIRST_SUPPORTERS = 3
    a, b, c, d = fans(4)
    order(shop, c, at(days=5), "10.00")
    order(shop, a, at(days=1), "10.00")
    order(shop, a, at(days=2), "10.00")  # a second order does not take a second place
    order(shop, d, at(days=9), "10.00")
    order(shop, b, at(days=3), "10.00", paid=False)  # placed, never paid: not a buyer yet
    order(shop, b, at(days=7), "10.00")
    rebuild()
    assert holders(shop, B.FIRST_SUPPORTER) == [a.pk, c.pk, b.pk]
    ranks = dict(FanBadge.objects.filter(kind=B.FIRST_SUPPORTER).values_list("fan_id", "rank"))
    assert ranks == {a.pk: 1, c.pk: 2, b.pk: 3}


def test_two_first_orders_at_the_same_instant_are_placed_by_event_id(shop, settings):
    settings.FAN_BADGE_FIRST_SUPPORTERS = 1
    a, b = fans(2)
    order(shop, b, at(days=1), "10.00")  # recorded first
    order(shop, a, at(days=1), "10.00")
    rebuild()
    assert holders(shop, B.FIRST_SUPPORTER) == [b.pk]


def test_the_creator_buying_from_themselves_takes_no_place(shop, settings):
    settings.FAN_BADGE_FIRST_SUPPORTERS = 1
    (fan,) = fans(1)
    order(shop, shop.user, at(days=1), "10.00")
    order(shop, fan, at(days=2), "10.00")
    rebuild()
    assert holders(shop, B.FIRST_SUPPORTER) == [fan.pk]


def test_a_deleted_account_keeps_its_place_and_nobody_moves_up(shop, settings):
    settings.FAN_BADGE_FIRST_SUPPORTERS = 2
    a, b, c = fans(3)
    for day, fan in enumerate((a, b, c)):
        order(shop, fan, at(days=day), "10.00")
    a.delete()
    rebuild()
    assert holders(shop, B.FIRST_SUPPORTER) == [b.pk]


def test_first_supporters_are_per_creator(shop, settings):
    settings.FAN_BADGE_FIRST_SUPPORTERS = 1
    other = CreatorProfileFactory()
    a, b = fans(2)
    order(shop, a, at(days=1), "10.00")
    order(other, b, at(days=0), "10.00")
    order(other, a, at(days=2), "10.00")
    rebuild()
    assert holders(shop, B.FIRST_SUPPORTER) == [a.pk]
    assert holders(other, B.FIRST_SUPPORTER) == [b.pk]


# --- Top fans ------------------------------------------------------------------------


def interact(creator, fan, times, *, day=95):
    for n in range(times):
        comment(creator, fan, at(days=day, minutes=n))


def test_top_fans_rank_by_interactions_plus_purchases_in_the_last_90_days(shop, settings):
    settings.FAN_BADGE_TOP_FANS_PERCENT = 100  # let the cap of 10 decide here
    settings.FAN_BADGE_TOP_FANS = 2
    a, b, c = fans(3)
    interact(shop, a, 3)  # 3
    order(shop, b, at(days=96), "10.00")  # placed + paid = 2
    interact(shop, b, 2)  # 4 in all
    interact(shop, c, 5, day=5)  # 95 days before NOW: outside the window
    interact(shop, c, 1)
    rebuild()
    assert holders(shop, B.TOP_FAN) == [b.pk, a.pk]
    scores = dict(FanBadge.objects.filter(kind=B.TOP_FAN).values_list("fan_id", "count"))
    assert scores == {b.pk: 4, a.pk: 3}


def test_a_purchase_the_creator_marked_paid_counts_for_the_buyer(shop, settings):
    settings.FAN_BADGE_TOP_FANS_PERCENT = 100
    (fan,) = fans(1)
    interact(shop, fan, 2)
    payload = {"order": "R1", "amount": "10.00", "currency": "EUR", "buyer_id": fan.pk}
    event(K.ORDER_PAID, creator=shop, actor=shop.user, when=at(days=97), **payload)
    rebuild()
    assert holders(shop, B.TOP_FAN) == [fan.pk]


def test_tied_fans_rank_by_most_recent_activity_then_by_id(shop, settings):
    settings.FAN_BADGE_TOP_FANS_PERCENT = 100
    settings.FAN_BADGE_TOP_FANS = 2
    early, late, same_a, same_b = fans(4)
    interact(shop, early, 3, day=91)
    interact(shop, late, 3, day=93)
    rebuild()
    assert holders(shop, B.TOP_FAN) == [late.pk, early.pk]
    # Same score and same last activity: the lower user id first.
    interact(shop, same_a, 4, day=94)
    interact(shop, same_b, 4, day=94)
    rebuild()
    assert holders(shop, B.TOP_FAN) == [same_a.pk, same_b.pk]


def test_top_fans_are_at_most_five_percent_of_active_fans_and_need_a_minimum_score(shop, settings):
    assert [top_fans_limit(n) for n in (0, 1, 20, 21, 199, 200, 5000)] == [0, 1, 1, 2, 10, 10, 10]
    crowd = fans(21)
    for n, fan in enumerate(crowd):
        interact(shop, fan, 3 + n)  # the last one is the most active
    rebuild()
    assert holders(shop, B.TOP_FAN) == [crowd[20].pk, crowd[19].pk]
    FanBadge.objects.all().delete()
    quiet = CreatorProfileFactory()
    (fan,) = fans(1)
    interact(quiet, fan, 2)  # the only active fan, but below the minimum score of 3
    rebuild()
    assert holders(quiet, B.TOP_FAN) == []


def test_the_creators_own_activity_never_makes_them_a_top_fan(shop, settings):
    settings.FAN_BADGE_TOP_FANS_PERCENT = 100
    interact(shop, shop.user, 5)
    rebuild()
    assert holders(shop, B.TOP_FAN) == []


# --- Reviewer and advocate -----------------------------------------------------------


def test_a_fan_who_reviewed_is_a_reviewer_edits_do_not_count_twice(shop):
    a, b = fans(2)
    review(shop, a, at(days=2), 5)
    review(shop, a, at(days=3), 4, edited=True)
    review(shop, shop.user, at(days=3), 5)
    rebuild()
    assert holders(shop, B.REVIEWER) == [a.pk]
    assert FanBadge.objects.get(kind=B.REVIEWER).count == 1


def referral(creator, sharer, when):
    return event(K.REFERRAL_PURCHASE, creator=creator, actor=sharer, when=when, order="R9")


def test_an_advocate_is_credited_by_referral_purchase_events_with_them_as_actor(shop):
    sharer, buyer = fans(2)
    other = CreatorProfileFactory()
    referral(shop, sharer, at(days=1))
    referral(shop, sharer, at(days=4))
    referral(other, buyer, at(days=4))
    referral(shop, shop.user, at(days=4))  # the creator sharing their own shop: no badge
    rebuild()
    assert holders(shop, B.ADVOCATE) == [sharer.pk]
    assert FanBadge.objects.get(creator=shop, kind=B.ADVOCATE).count == 2
    assert holders(other, B.ADVOCATE) == [buyer.pk]


# --- Rebuilding and reading ----------------------------------------------------------


def test_a_rebuild_is_idempotent_and_takes_back_badges_no_longer_earned(shop, settings):
    settings.FAN_BADGE_TOP_FANS_PERCENT = 100
    (fan,) = fans(1)
    interact(shop, fan, 3)
    review(shop, fan, at(days=95), 5)
    first = rebuild()
    assert first.changed_creators == 1
    ids = set(FanBadge.objects.values_list("pk", flat=True))
    assert rebuild().changed_creators == 0
    assert set(FanBadge.objects.values_list("pk", flat=True)) == ids
    # 90 days later the interactions have left the window: the review stays.
    badges_rebuild(now=NOW + timedelta(days=90))
    assert list(FanBadge.objects.values_list("kind", flat=True)) == [B.REVIEWER]


def test_badges_for_fans_reads_a_page_of_authors_in_one_query(
    shop, settings, django_assert_num_queries
):
    settings.FAN_BADGE_TOP_FANS_PERCENT = 100
    crowd = fans(5)
    for fan in crowd:
        interact(shop, fan, 3)
        review(shop, fan, at(days=96), 5)
        order(shop, fan, at(days=97), "5.00")
    rebuild()
    with django_assert_num_queries(1):
        found = badges_for_fans(creator_user_id=shop.user_id, fan_ids=[f.pk for f in crowd])
    kinds = [badge.kind for badge in found[crowd[0].pk]]
    assert kinds == [B.FIRST_SUPPORTER, B.TOP_FAN, B.REVIEWER]
    assert found[crowd[0].pk][0].description.startswith("One of the first 10 fans")
