"""seed_demo's events as the metrics read them: every demo phase's events follow the
payload contract, real orders stand behind the order events, a second run adds nothing,
and the roll-up at the end gives the dashboard numbers."""

from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from creators.models import CreatorMetricsDay, EngagementEvent, EventKind, FanRelationship
from shops.models import Order
from tests.test_seed_demo import SMALL, _demo_site, _quick_images, seed  # noqa: F401

pytestmark = pytest.mark.django_db
K = EventKind


def test_history_follows_the_payload_contract_and_fills_the_dashboard(client):
    seed(*SMALL)
    events = list(EngagementEvent.objects.exclude(kind__in=[K.SHOP_OPENED]))
    kinds = Counter(event.kind for event in events)
    for kind in (K.POST_PUBLISHED, K.REACTION, K.COMMENT, K.CREATOR_REPLY, K.ORDER_PLACED,
                 K.ORDER_PAID, K.REVIEW, K.UNFOLLOW):  # fmt: skip
        assert kinds[kind] > 0, kind
    now = timezone.now()
    assert all(e.created_at <= now and e.dispatched_at == e.created_at for e in events)

    # A creator's first reply names its comment and how long the fan waited.
    comments = {e.target_id: e for e in events if e.kind in (K.COMMENT, K.QUESTION)}
    for reply in (e for e in events if e.kind == K.CREATOR_REPLY):
        parent = comments[reply.payload["parent_id"]]
        waited = (reply.created_at - parent.created_at).total_seconds()
        assert reply.payload["response_seconds"] == int(waited)
        assert reply.actor_id == reply.creator.user_id

    # Every order event stands for a real order, with its total, currency and buyer.
    orders = {order.number: order for order in Order.objects.all()}
    for event in (e for e in events if e.kind.startswith("order_")):
        order = orders[event.payload["order"]]
        assert Decimal(event.payload["amount"]) == order.total
        assert event.payload["currency"] == order.currency
        assert event.payload["buyer_id"] == order.buyer_id
        assert event.target_id == order.pk
    for review in (e for e in events if e.kind == K.REVIEW):
        assert 1 <= review.payload["rating"] <= 5

    # The roll-up ran at the end: the top creator's dashboard has real numbers.
    top = max(CreatorMetricsDay.objects.all(), key=lambda row: row.followers)
    assert CreatorMetricsDay.objects.filter(creator=top.creator, comments__gt=0).exists()
    assert FanRelationship.objects.filter(creator=top.creator, purchases__gt=0).exists()
    client.force_login(top.creator.user)
    page = client.get("/studio/?days=90").content.decode()
    assert "No metrics yet." not in page
    assert "<svg" in page


def test_seeding_twice_adds_no_history():
    seed(*SMALL)
    before = (EngagementEvent.objects.count(), Order.objects.count())
    rows = CreatorMetricsDay.objects.count()

    seed(*SMALL)

    assert (EngagementEvent.objects.count(), Order.objects.count()) == before
    assert CreatorMetricsDay.objects.count() == rows


def test_demo_fans_share_and_make_lists_and_their_credit_matches_the_events(client):
    from shops.models import ShareLink, TastemakerList

    seed(*SMALL)
    assert TastemakerList.objects.filter(is_featured=True).count() == 2
    credited = list(Order.objects.filter(referral__isnull=False).select_related("referral"))
    purchases = EngagementEvent.objects.filter(kind=K.REFERRAL_PURCHASE)
    assert credited and purchases.count() == len(credited)
    for order in credited:
        event = purchases.get(target_id=order.pk)
        assert event.actor_id == order.referral.sharer_id != order.buyer_id
        assert event.payload["amount"] == str(order.total)
        assert event.creator_id == order.shop.creator_id
    for link in ShareLink.objects.all():
        visits = EngagementEvent.objects.filter(kind=K.SHARE_VISIT, payload__link_id=link.pk)
        assert (link.visits, link.purchases) == (
            visits.count(),
            purchases.filter(payload__link_id=link.pk).count(),
        )
    rows = CreatorMetricsDay.objects.filter(referral_purchases__gt=0)
    assert sum(row.referral_purchases for row in rows) == len(credited)
    assert "Featured lists" in client.get("/lists/").content.decode()
    assert "Lists by tastemakers" in client.get("/").content.decode()
