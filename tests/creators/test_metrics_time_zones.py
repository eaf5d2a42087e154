"""Metrics days are the creator's days: events are stored in UTC, rows are grouped by the
date in the creator's time zone, windows stay durations. Expected values worked out by
hand (America/New_York is UTC−5 until 2026-03-08 07:00 UTC, UTC−4 after: that Sunday has
23 hours)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from creators import metrics, rollup
from creators.models import CreatorMetricsDay, EventKind, MetricsRecompute
from creators.services import creator_profile_update
from tests.creators.metrics_events import comment, creator_reply, event, follow
from tests.factories import CreatorProfileFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db
K = EventKind
NEW_YORK = "America/New_York"


def utc(month, day, hour, minute=0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def rows(creator) -> dict[date, CreatorMetricsDay]:
    return {row.date: row for row in CreatorMetricsDay.objects.filter(creator=creator)}


@pytest.fixture
def fans():
    return UserFactory.create_batch(6)


def test_an_event_belongs_to_the_date_in_the_creators_time_zone(fans):
    in_utc = CreatorProfileFactory(time_zone="UTC")
    in_new_york = CreatorProfileFactory(time_zone=NEW_YORK)
    in_tokyo = CreatorProfileFactory(time_zone="Asia/Tokyo")
    for creator in (in_utc, in_new_york, in_tokyo):
        # 23:30 UTC on the 10th: 19:30 on the 10th in New York, 08:30 on the 11th in Tokyo.
        follow(creator, fans[0], utc(3, 10, 23, 30))
        # 02:30 UTC on the 11th: still 22:30 on the 10th in New York.
        follow(creator, fans[1], utc(3, 11, 2, 30))

    rollup.rollup_range(start=date(2026, 3, 9), end=date(2026, 3, 12), now=utc(3, 13, 12))

    def follows(creator):
        return {day: row.follows for day, row in rows(creator).items() if row.follows}

    assert follows(in_utc) == {date(2026, 3, 10): 1, date(2026, 3, 11): 1}
    assert follows(in_new_york) == {date(2026, 3, 10): 2}
    assert follows(in_tokyo) == {date(2026, 3, 11): 2}
    assert rows(in_new_york)[date(2026, 3, 10)].followers == 2
    assert rows(in_utc)[date(2026, 3, 10)].followers == 1


def test_the_day_clocks_go_forward_has_23_hours(fans):
    creator = CreatorProfileFactory(time_zone=NEW_YORK)
    follow(creator, fans[0], utc(3, 8, 4, 30))  # 23:30 EST on Saturday the 7th
    follow(creator, fans[1], utc(3, 8, 5, 30))  # 00:30 EST on Sunday the 8th
    follow(creator, fans[2], utc(3, 9, 3, 30))  # 23:30 EDT on Sunday the 8th
    follow(creator, fans[3], utc(3, 9, 4, 30))  # 00:30 EDT on Monday the 9th
    # Engaged fans over the 30 days ending with each day (the day and the 29 before):
    # Sunday's window opens at 00:00 EST on 7 February (05:00 UTC).
    event(K.REACTION, creator=creator, actor=fans[4], when=utc(2, 7, 4, 30))  # 23:30, 6 Feb
    event(K.REACTION, creator=creator, actor=fans[3], when=utc(2, 7, 5, 30))  # 00:30, 7 Feb
    event(K.REACTION, creator=creator, actor=fans[2], when=utc(3, 8, 5, 30))  # Sunday, 00:30
    event(K.REACTION, creator=creator, actor=fans[5], when=utc(3, 9, 3, 30))  # Sunday, 23:30

    rollup.rollup_range(start=date(2026, 3, 7), end=date(2026, 3, 9), now=utc(3, 12, 0))

    days = rows(creator)
    saturday, sunday, monday = (days[date(2026, 3, n)] for n in (7, 8, 9))
    assert [d.follows for d in (saturday, sunday, monday)] == [1, 2, 1]
    assert [d.followers for d in (saturday, sunday, monday)] == [1, 3, 4]
    # Saturday's window is 6 Feb – 7 Mar: fans 4 and 3. Sunday's is 7 Feb – 8 Mar: fans 3,
    # 2 and 5. Monday's is 8 Feb – 9 Mar: fans 2 and 5.
    assert [d.engaged_fans for d in (saturday, sunday, monday)] == [2, 3, 2]


def test_the_48_hours_to_reply_are_a_duration_not_wall_clock_time(fans):
    creator = CreatorProfileFactory(time_zone=NEW_YORK)
    # 23:00 EST on the 7th; answered at 23:30 EDT on the 9th: 48.5 h on the wall clock,
    # 47.5 h elapsed (the clocks went forward) → in time.
    early = comment(creator, fans[0], utc(3, 8, 4))
    creator_reply(creator, early, utc(3, 10, 3, 30))
    # 01:00 EST on the 8th; answered at 02:30 EDT on the 10th: 48.5 h elapsed → too late.
    late = comment(creator, fans[1], utc(3, 8, 6))
    creator_reply(creator, late, utc(3, 10, 6, 30))

    rollup.rollup_range(start=date(2026, 3, 7), end=date(2026, 3, 10), now=utc(3, 12, 0))

    days = rows(creator)
    assert (days[date(2026, 3, 7)].comments, days[date(2026, 3, 7)].answered_48h) == (1, 1)
    assert (days[date(2026, 3, 8)].comments, days[date(2026, 3, 8)].answered_48h) == (1, 0)
    # Each first reply counts on its own local day, with its real elapsed time.
    assert days[date(2026, 3, 9)].response_median_seconds == int(47.5 * 3600)
    assert days[date(2026, 3, 10)].response_median_seconds == int(48.5 * 3600)
    period = metrics.summarize([days[date(2026, 3, n)] for n in (7, 8, 9, 10)])
    assert period.reply_rate == pytest.approx(0.5)


def test_changing_the_time_zone_recomputes_the_creators_days(fans):
    creator = CreatorProfileFactory(time_zone="UTC")
    follow(creator, fans[0], utc(3, 9, 12))
    follow(creator, fans[1], utc(3, 11, 2, 30))  # the 11th in UTC, the 10th in New York
    now = utc(3, 12, 12)
    rollup.rollup_incremental(now=now)  # the first run: the last 90 days
    first_day = date(2026, 3, 12) - timedelta(days=rollup.FIRST_DAY_DEFAULT - 1)
    assert rows(creator)[date(2026, 3, 11)].follows == 1

    creator_profile_update(
        profile=creator, display_name=creator.display_name, bio="", time_zone=NEW_YORK
    )
    assert MetricsRecompute.objects.filter(creator=creator).exists()
    rollup.rollup_incremental(now=now + timedelta(minutes=5))

    days = rows(creator)
    assert (days[date(2026, 3, 10)].follows, days[date(2026, 3, 11)].follows) == (1, 0)
    assert (days[date(2026, 3, 10)].followers, days[date(2026, 3, 12)].followers) == (2, 2)
    # The same days as before, each now a New York day (12:00 UTC is 08:00 there).
    assert (min(days), max(days)) == (first_day, date(2026, 3, 12))
    assert not MetricsRecompute.objects.exists()


def test_a_zone_change_keeps_its_request_if_asked_again_during_the_run(fans, monkeypatch):
    creator = CreatorProfileFactory(time_zone="UTC")
    follow(creator, fans[0], utc(3, 11, 2, 30))
    rollup.rollup_incremental(now=utc(3, 12, 12))
    rollup.metrics_recompute_request(creator=creator)
    request = MetricsRecompute.objects.get()
    # The creator changes zone again after the run read the request: it must stay.
    original = rollup._profiles

    def profiles_then_change(*args):
        read = original(*args)
        MetricsRecompute.objects.filter(pk=request.pk).update(
            requested_at=request.requested_at + timedelta(seconds=1)
        )
        return read

    monkeypatch.setattr(rollup, "_profiles", profiles_then_change)
    rollup.rollup_incremental(now=utc(3, 12, 13))
    monkeypatch.undo()
    assert MetricsRecompute.objects.filter(creator=creator).exists()
    rollup.rollup_incremental(now=utc(3, 12, 14))
    assert not MetricsRecompute.objects.exists()


def test_the_creator_picks_a_time_zone_and_the_dashboard_follows(
    client, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(utc(3, 12, 12), tick=False)
    creator = ShopFactory(creator=CreatorProfileFactory(time_zone="UTC")).creator
    fan = UserFactory()
    follow(creator, fan, utc(3, 11, 2, 30))  # the 11th in UTC, the 10th in New York
    rollup.rollup_incremental()
    client.force_login(creator.user)
    edit = reverse("creators:edit", args=[creator.handle])

    form = client.get(edit).content.decode()
    assert '<select name="time_zone"' in form
    assert '<optgroup label="America">' in form
    assert '<option value="UTC" selected>' in form
    assert "New York (UTC−04:00)" in form  # the offset on 12 March 2026

    # A name that is not a time zone changes nothing and says so.
    page = client.post(edit, {"display_name": "Ana", "bio": "", "time_zone": "Mars/Olympus"})
    assert "Choose a time zone from the list." in page.content.decode()
    creator.refresh_from_db()
    assert creator.time_zone == "UTC"

    with django_capture_on_commit_callbacks(execute=True):  # the roll-up runs at once
        client.post(edit, {"display_name": "Ana", "bio": "", "time_zone": NEW_YORK})
    creator.refresh_from_db()
    assert creator.time_zone == NEW_YORK
    assert rows(creator)[date(2026, 3, 10)].follows == 1
    assert not MetricsRecompute.objects.exists()

    page = client.get("/studio/").content.decode()
    assert "Days and times in your time zone, America/New_York." in page
    assert ">updated 0 seconds ago</time>" in page  # the clock stands still in this test
    # 12:00 UTC is 08:00 in New York; the 30-day period ends with its 12 March.
    assert "Your relationships, 11 Feb – 12 Mar 2026" in page
    assert "they count everything up to <time" in page
    assert "12 Mar, 08:00</time> America/New_York time" in page


def test_the_dashboard_period_ends_with_the_creators_today(creator_client, creator, time_machine):
    time_machine.move_to(utc(3, 10, 20), tick=False)  # 10:00 on the 11th in Kiritimati (UTC+14)
    creator.time_zone = "Pacific/Kiritimati"
    creator.save()
    follow(creator, UserFactory(), utc(3, 10, 19))
    rollup.rollup_incremental()

    page = creator_client.get("/studio/", {"days": 7}).content.decode()

    assert "Your relationships, 5 Mar – 11 Mar 2026" in page
    assert rows(creator)[date(2026, 3, 11)].follows == 1
    assert "Pacific/Kiritimati" in page


def test_a_pending_recompute_is_announced_on_the_dashboard(creator_client, creator):
    rollup.metrics_recompute_request(creator=creator)
    page = creator_client.get("/studio/").content.decode()
    assert "your metrics are being recomputed for its days" in page


def test_staff_changing_a_creators_time_zone_in_admin_asks_for_a_recompute(admin_client):
    creator = CreatorProfileFactory(time_zone="UTC")
    url = reverse("admin:creators_creatorprofile_change", args=[creator.pk])
    data = {
        "user": creator.user_id,
        "handle": creator.handle,
        "display_name": creator.display_name,
        "bio": creator.bio,
        "time_zone": "Europe/Paris",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    creator.refresh_from_db()
    assert creator.time_zone == "Europe/Paris"
    assert MetricsRecompute.objects.filter(creator=creator).exists()
    # Not a time zone: refused with a message, nothing changes.
    response = admin_client.post(url, {**data, "time_zone": "Europe/Atlantis"})
    assert "is not a time zone" in response.content.decode()
