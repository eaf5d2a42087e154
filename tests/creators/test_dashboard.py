"""The creator dashboard in the Studio, the metrics CSV, the backfill command and the task."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from creators import conversation, rollup
from creators.models import (
    CreatorMetricsDay,
    EngagementEvent,
    EventKind,
    FanRelationship,
    MetricsWatermark,
    Post,
    PostStatus,
)
from creators.tasks import metrics_rollup_task
from tests.creators.metrics_events import comment, creator_reply, event, follow, order
from tests.factories import CreatorProfileFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db
K = EventKind
STUDIO = "/studio/"


def _history(creator, *, fans: int = 3):
    """Fans who followed 20 days ago and 2 days ago, talked, and bought."""
    now = timezone.now()
    people = UserFactory.create_batch(fans)
    for n, fan in enumerate(people):
        follow(creator, fan, now - timedelta(days=20 if n % 2 else 2, hours=n))
    asked = comment(creator, people[0], now - timedelta(days=3))
    creator_reply(creator, asked, now - timedelta(days=3) + timedelta(hours=2))
    comment(creator, people[-1], now - timedelta(days=1))  # not answered yet
    order(creator, people[0], now - timedelta(days=1), "24.00")
    return people


def _rolled_up(creator, **kwargs):
    people = _history(creator, **kwargs)
    rollup.rollup_incremental()
    return people


def test_the_creator_sees_cards_charts_and_fans(creator_client, creator):
    people = _rolled_up(creator)

    page = creator_client.get(STUDIO).content.decode()

    for heading in ("Return on Relationship", "Reply rate", "Median first response", "Revenue"):
        assert heading in page
    assert "24.00 EUR" in page
    assert "2.0 h" in page  # median first response
    # Reply rate: of two comments, the one whose 48 h are over was answered in 2 h.
    assert "100.0 %" in page.split("Reply rate")[1][:80]
    assert "1 fan comment or question</strong> still waits" in page
    assert f'<a href="{reverse("creators:inbox")}">Answer them in your Inbox</a>' in page
    assert "How your Return on Relationship score is made" in page
    # Every comment whose 48 h are over was answered: the reply part scores its full 25.
    assert '<th scope="row">Replies within 48 h</th><td>25.0</td><td>25</td>' in page
    assert '<th scope="row">Reviews, answers and fans’ shares</th><td>no data yet</td>' in page
    # Charts are inline SVG with a title, a description and the data as a table.
    assert page.count('<svg class="chart__svg"') == 4
    assert '<title id="chart-followers-title">Followers</title>' in page
    assert '<desc id="chart-funnel-desc">' in page
    assert "Show the data" in page
    assert people[0].public_name in page  # a top fan by interactions and purchases
    # The Studio's links to the shop stay on the page.
    assert reverse("shops:studio_products") in page
    assert reverse("shops:studio_orders") in page


def test_the_period_selector_changes_the_numbers(creator_client, creator):
    _rolled_up(creator)  # 2 follows 2 days ago, 1 follow 20 days ago

    week = creator_client.get(STUDIO, {"days": 7}).content.decode()
    month = creator_client.get(STUDIO, {"days": 30}).content.decode()

    assert "+2 net (2 new, 0 unfollowed)" in week
    assert "+3 net (3 new, 0 unfollowed)" in month
    assert 'href="?days=7" class="period-nav__link" aria-current="page"' in week
    assert 'href="?days=30" class="period-nav__link" aria-current="page"' in month


@pytest.mark.parametrize("days", ["365", "abc", ""])
def test_an_unknown_period_shows_30_days(creator_client, creator, days):
    page = creator_client.get(STUDIO, {"days": days}).content.decode()
    assert 'href="?days=30" class="period-nav__link" aria-current="page"' in page


def test_without_rows_the_dashboard_says_so(creator_client, creator):
    page = creator_client.get(STUDIO).content.decode()
    assert "No metrics yet." in page
    assert reverse("shops:studio_shipping") in page


def test_trend_arrows_compare_with_the_previous_period(creator_client, creator):
    now = timezone.now()
    fans = UserFactory.create_batch(3)
    follow(creator, fans[0], now - timedelta(days=10))
    follow(creator, fans[1], now - timedelta(days=3))
    follow(creator, fans[2], now - timedelta(days=2))
    rollup.rollup_range(start=(now - timedelta(days=20)).date(), end=now.date())

    page = creator_client.get(STUDIO, {"days": 7}).content.decode()

    # Followers 1 at the end of the previous 7 days, 3 now: up 200 %.
    assert "up 200 % vs the previous 7 days" in page


def test_fading_fans_come_with_a_way_to_reach_out(creator_client, creator):
    now = timezone.now()
    quiet = UserFactory(name="Quiet Quinn", email="quinn@example.com")
    follow(creator, quiet, now - timedelta(days=80))
    comment(creator, quiet, now - timedelta(days=45))
    rollup.rollup_incremental()

    page = creator_client.get(STUDIO).content.decode()

    fading = page.split('id="fading-fans"')[1]
    assert "Quiet Quinn" in fading
    # The comment has no page (a hand-built event), so reaching out is an in-app note.
    assert f'href="{reverse("creators:thank_fan", args=[quiet.pk])}"' in fading
    assert "Send a thank-you note" in fading
    assert "mailto:" not in page


def test_fans_are_shown_by_their_public_name_never_their_email(creator_client, creator):
    """A follower or commenter never agreed to show their email address to a creator:
    the dashboard's fan lists show the name they chose, or "A fan"."""
    now = timezone.now()
    named = UserFactory(name="Rosa Named", email="rosa.private@example.com")
    nameless = UserFactory(name="", email="nameless.private@example.com")
    for n, fan in enumerate((named, nameless)):
        follow(creator, fan, now - timedelta(days=80))
        comment(creator, fan, now - timedelta(days=45 - n))  # both fading
        comment(creator, fan, now - timedelta(days=40 - n))
    rollup.rollup_incremental()

    page = creator_client.get(STUDIO).content.decode()

    engaged = page.split('id="top-interactions"')[1].split("</section>")[0]
    assert "Rosa Named" in engaged and "A fan" in engaged
    assert "@example.com" not in page
    assert "rosa.private" not in page and "nameless.private" not in page


def test_fans_and_other_users_cannot_open_the_dashboard(client, fan_client, creator):
    _rolled_up(creator)
    assert fan_client.get(STUDIO)["Location"] == reverse("shops:open")
    assert fan_client.get(reverse("creators:studio_metrics_csv")).status_code == 404
    client.logout()
    assert reverse("account_login") in client.get(STUDIO)["Location"]


def test_another_creator_sees_only_their_own_numbers(client, creator):
    _rolled_up(creator)
    other = CreatorProfileFactory()
    client.force_login(other.user)

    page = client.get(STUDIO).content.decode()

    assert "No metrics yet." in page or "24.00 EUR" not in page
    rows = list(csv.reader(io.StringIO(client.get("/studio/metrics.csv").content.decode())))
    assert all(row[rows[0].index("revenue")] == "0.00" for row in rows[1:])


def test_query_count_stays_constant_as_data_grows(
    creator_client, creator, django_assert_max_num_queries
):
    _rolled_up(creator, fans=3)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        creator_client.get(STUDIO, {"days": 90})

    _rolled_up(creator, fans=40)
    # Queries: session, user (with profile), the Inbox count, daily rows of both periods,
    # first-response times, top fans by interactions, top buyers, fading fans, funnel
    # counts, the roll-up's status (last run, time-zone recompute pending); fading fans'
    # latest comments add one query per step of their links (see the next test). Justify
    # any addition.
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        response = creator_client.get(STUDIO, {"days": 90})
    assert response.status_code == 200


DASHBOARD_QUERIES = 10


def test_csv_export_lists_every_daily_row(creator_client, creator):
    _rolled_up(creator)
    response = creator_client.get(reverse("creators:studio_metrics_csv"))

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["date", "followers"]
    assert len(body) == CreatorMetricsDay.objects.filter(creator=creator).count() > 0
    assert body[-1][header.index("followers")] == "3"


def test_backfill_command_recomputes_a_range(creator):
    _history(creator)
    today = timezone.now().date()
    out = io.StringIO()

    call_command(
        "metrics_rollup", "--from", str(today - timedelta(days=9)), "--to", str(today), stdout=out
    )

    assert "10 daily rows" in out.getvalue()
    assert CreatorMetricsDay.objects.filter(creator=creator).count() == 10
    assert FanRelationship.objects.filter(creator=creator).count() == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01"], "not a date"),
        (["--from", "2026-03-10", "--to", "2026-03-01"], "before --from"),
        (["--to", "2026-03-01"], "needs --from"),
    ],
)
def test_backfill_command_rejects_bad_dates(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("metrics_rollup", *args)
    assert not CreatorMetricsDay.objects.exists()


def test_the_beat_task_rolls_up_and_moves_the_watermark(creator):
    _history(creator)
    metrics_rollup_task.delay()
    mark = MetricsWatermark.objects.get()
    assert mark.last_event_id > 0
    assert CreatorMetricsDay.objects.filter(creator=creator, follows__gt=0).exists()
    event(K.FOLLOW, creator=creator, actor=UserFactory(), when=timezone.now())
    metrics_rollup_task.delay()
    assert CreatorMetricsDay.objects.get(creator=creator, date=timezone.now().date()).follows == 1


def test_staff_read_metrics_in_admin(admin_client, creator):
    _rolled_up(creator)
    for name in ("creatormetricsday", "fanrelationship"):
        response = admin_client.get(reverse(f"admin:creators_{name}_changelist"))
        assert response.status_code == 200
    overview = admin_client.get(reverse("admin:creators_creatormetricsday_changelist"))
    assert f"@{creator.handle}" in overview.content.decode()


def test_fading_fans_link_to_their_latest_comment_in_constant_queries(
    client, creator, django_assert_max_num_queries
):
    now = timezone.now()
    post = Post.objects.create(
        creator=creator.user, body="Hello", status=PostStatus.PUBLISHED, published_at=now
    )
    product = ProductFactory(shop=creator.shop)
    fans = UserFactory.create_batch(4)
    for n, fan in enumerate(fans):
        if n % 2:
            conversation.comment_create_on_post(author=fan, post=post, body="Lovely")
        else:
            conversation.comment_create_on_target(
                author=fan, target=product, owner=creator.user, body="Does it ship abroad?"
            )
    # Back-date the conversation so these fans are fading.
    EngagementEvent.objects.filter(creator=creator).update(created_at=now - timedelta(days=40))
    rollup.rollup_incremental()
    client.force_login(creator.user)

    with django_assert_max_num_queries(DASHBOARD_QUERIES + 8):  # + inbox count, links' steps
        page = client.get(STUDIO).content.decode()

    fading = page.split('id="fading-fans"')[1]
    assert fading.count("Open their latest comment") == 4
    assert f"/@{creator.handle}/posts/{post.pk}/#comment-" in fading
    assert f"{product.get_absolute_url()}#comment-" in fading
