"""Share links in the relationship metrics: visits and referral purchases per day, and
the advocate stage for fans who brought purchases (values worked out by hand)."""

from datetime import timedelta

import pytest

from creators import rollup
from creators.models import CreatorMetricsDay, EventKind, FanRelationship, RelationshipStage
from tests.creators.metrics_events import DAY, at, event, follow, order, review
from tests.factories import CreatorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db
K = EventKind
S = RelationshipStage


def share_visit(creator, sharer, when):
    return event(K.SHARE_VISIT, creator=creator, actor=sharer, when=when, sharer_id=sharer.pk)


def referral_purchase(creator, sharer, buyer, when, amount="20.00"):
    return event(
        K.REFERRAL_PURCHASE,
        creator=creator,
        actor=sharer,
        when=when,
        order="RC-REF",
        amount=amount,
        currency="EUR",
        buyer_id=buyer.pk,
        sharer_id=sharer.pk,
    )


def test_a_fan_whose_links_brought_purchases_is_an_advocate():
    creator, other_creator = CreatorProfileFactory(), CreatorProfileFactory()
    sharer, visits_only, buyer, elsewhere = UserFactory.create_batch(4)
    # sharer: never bought, but one of their links brought a purchase → advocate.
    share_visit(creator, sharer, at(hours=9))
    referral_purchase(creator, sharer, buyer, at(hours=10))
    # visits_only: follows and brought two visits, no purchase → still a follower.
    follow(creator, visits_only, at(days=-60))
    share_visit(creator, visits_only, at(hours=11))
    share_visit(creator, visits_only, at(hours=12))
    # buyer: bought with a 3-star review; their referral was for another creator → buyer.
    order(creator, buyer, at(hours=10), "20.00")
    review(creator, buyer, at(hours=13), 3)
    referral_purchase(other_creator, buyer, sharer, at(hours=14))
    # elsewhere: advocates only for the other creator: no relationship with this one.
    referral_purchase(other_creator, elsewhere, buyer, at(hours=15))

    rollup.relationships_rebuild(now=at(days=1))

    stages = dict(FanRelationship.objects.filter(creator=creator).values_list("fan_id", "stage"))
    assert stages == {sharer.pk: S.ADVOCATE, visits_only.pk: S.FOLLOWER, buyer.pk: S.BUYER}
    other = dict(
        FanRelationship.objects.filter(creator=other_creator).values_list("fan_id", "stage")
    )
    assert other == {buyer.pk: S.ADVOCATE, elsewhere.pk: S.ADVOCATE}
    rel = FanRelationship.objects.get(creator=creator, fan=sharer)
    assert (rel.purchases, rel.interactions) == (0, 0)  # credit is not their own buying


def test_the_days_count_share_visits_and_referral_purchases():
    creator = CreatorProfileFactory()
    ana, bea = UserFactory.create_batch(2)
    share_visit(creator, ana, at(hours=1))
    share_visit(creator, ana, at(hours=23))
    share_visit(creator, bea, at(days=1, hours=2))
    referral_purchase(creator, ana, bea, at(days=1, hours=3))

    rollup.rollup_range(start=DAY.date(), end=DAY.date() + timedelta(days=1), now=at(days=2))

    day0 = CreatorMetricsDay.objects.get(creator=creator, date=DAY.date())
    day1 = CreatorMetricsDay.objects.get(creator=creator, date=DAY.date() + timedelta(days=1))
    assert (day0.share_visits, day0.referral_purchases) == (2, 0)
    assert (day1.share_visits, day1.referral_purchases) == (1, 1)
