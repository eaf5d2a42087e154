"""Notifications: who hears about each event, exactly once, and what they see."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from creators import events, notifications
from creators.models import (
    EngagementEvent,
    EventKind,
    Follow,
    Notification,
    NotificationChannel,
    NotificationPreference,
)
from creators.tasks import event_dispatch_task, notifications_fanout_chunk_task
from tests.factories import UserFactory, follow_recorded, post_published_recorded

pytestmark = pytest.mark.django_db

IN_APP = NotificationChannel.IN_APP
EMAIL = NotificationChannel.EMAIL


def _bell(user):
    return Notification.objects.filter(recipient=user, channel=IN_APP)


def _post(creator, *, title="Spring glazes"):
    return post_published_recorded(creator=creator, title=title)


# --- Recipients per kind ----------------------------------------------------------------


def test_a_follow_notifies_the_creator_once(creator, fan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        follow_recorded(fan=fan, creator=creator)
    note = _bell(creator.user).get()
    assert note.kind == EventKind.FOLLOW
    assert not _bell(fan).exists()  # the actor is never told about their own action
    assert EngagementEvent.objects.get().dispatched_at is not None


def test_dispatching_twice_writes_nothing_twice(creator, fan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        follow_recorded(fan=fan, creator=creator)
    event = EngagementEvent.objects.get()
    EngagementEvent.objects.filter(pk=event.pk).update(dispatched_at=None)  # as if redelivered
    event_dispatch_task.delay(event.pk)
    event_dispatch_task.delay(event.pk)
    assert Notification.objects.filter(channel=IN_APP).count() == 1


def test_a_post_reaches_every_current_follower_but_not_the_actor(
    creator, django_capture_on_commit_callbacks
):
    fans = UserFactory.create_batch(3)
    for fan in fans:
        Follow.objects.create(follower=fan, followed=creator.user)
    left = UserFactory()  # followed, then unfollowed before the post
    Follow.objects.create(follower=left, followed=creator.user).delete()
    with django_capture_on_commit_callbacks(execute=True):
        _post(creator)
    assert set(Notification.objects.filter(channel=IN_APP).values_list("recipient", flat=True)) == {
        fan.pk for fan in fans
    }


def test_a_fan_who_unfollows_while_the_fan_out_is_queued_is_not_told(
    creator, django_capture_on_commit_callbacks, monkeypatch
):
    stays, leaves = UserFactory.create_batch(2)
    for fan in (stays, leaves):
        Follow.objects.create(follower=fan, followed=creator.user)
    queued = []
    monkeypatch.setattr(
        notifications_fanout_chunk_task, "apply_async", lambda a, **kw: queued.append(a)
    )
    with django_capture_on_commit_callbacks(execute=True):
        _post(creator)
    Follow.objects.filter(follower=leaves).delete()  # before the chunk task runs
    for args in queued:
        notifications_fanout_chunk_task.apply(args=args)
    assert set(Notification.objects.values_list("recipient", flat=True)) == {stays.pk}


def test_fan_out_to_2500_followers_runs_in_chunks_of_1000(
    creator, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.NOTIFY_FANOUT_CHUNK = 1000
    # Followers without a verified address: bell only, as most bulk-seeded users.
    fans = UserFactory.create_batch(2500, verified=False, password=None)
    Follow.objects.bulk_create(Follow(follower=fan, followed=creator.user) for fan in fans)
    chunks = []
    original = notifications_fanout_chunk_task.apply_async
    monkeypatch.setattr(
        notifications_fanout_chunk_task,
        "apply_async",
        lambda args, **kw: (chunks.append(args), original(args))[1],
    )
    with django_capture_on_commit_callbacks(execute=True):
        event = _post(creator)
    assert [(after, upto) for _, after, upto in chunks][1:] == [
        (chunks[0][2], chunks[1][2]),
        (chunks[1][2], chunks[2][2]),
    ]
    assert len(chunks) == 3
    assert Notification.objects.filter(event=event, channel=IN_APP).count() == 2500
    # A chunk that runs again (redelivered after a crash) adds nothing.
    for args in chunks:
        original(args)
    assert Notification.objects.filter(event=event, channel=IN_APP).count() == 2500


def test_order_events_notify_buyer_and_creator(creator, fan, django_capture_on_commit_callbacks):
    from tests.factories import OrderFactory

    order = OrderFactory(shop=creator.shop, buyer=fan, email=fan.email)
    admin = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            events.event_record(
                kind=EventKind.ORDER_SHIPPED,
                actor=admin,
                creator=creator,
                target=order,
                payload={
                    "order": order.number,
                    "amount": "10.00",
                    "currency": "EUR",
                    "buyer_id": fan.pk,
                },
            )
    recipients = set(
        Notification.objects.filter(channel=IN_APP).values_list("recipient", flat=True)
    )
    assert recipients == {fan.pk, creator.user.pk}
    # The shipping email goes to the buyer only, in the shop's words.
    assert list(Notification.objects.filter(channel=EMAIL).values_list("recipient", flat=True)) == [
        fan.pk
    ]


# --- Email --------------------------------------------------------------------------------


def test_immediate_email_goes_out_once_with_unsubscribe_headers(
    creator, fan, mailoutbox, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(
        user=creator.user, topic="follows", email_mode="immediate"
    )
    with django_capture_on_commit_callbacks(execute=True):
        follow_recorded(fan=fan, creator=creator)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [creator.user.email]
    assert f"{fan.name} started following you" in message.subject
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.alternatives[0][0]
    assert "Unsubscribe from these" in html and "/notifications/unsubscribe/" in message.body
    note = Notification.objects.get(channel=EMAIL)
    assert note.sent_at is not None
    # A retried task finds it sent and sends nothing.
    from creators.notification_emails import notification_email_send

    assert notification_email_send(notification_id=note.pk) is False
    assert len(mailoutbox) == 1


def test_unverified_address_gets_no_email(creator, mailoutbox, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(
        user=creator.user, topic="follows", email_mode="immediate"
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=creator.user).update(verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        follow_recorded(fan=UserFactory(), creator=creator)
    assert mailoutbox == []
    assert _bell(creator.user).count() == 1  # the bell still rings


def test_daily_digest_groups_everything_waiting_into_one_email(
    creator, mailoutbox, django_capture_on_commit_callbacks
):
    from shops.services import shop_open  # a second creator the fan follows

    fan = UserFactory(name="Dana")
    other = shop_open(user=UserFactory(), handle="bo_prints", display_name="Bo Prints").creator
    for followed in (creator, other):
        Follow.objects.create(follower=fan, followed=followed.user)
    with django_capture_on_commit_callbacks(execute=True):
        _post(creator, title="Spring glazes")
        _post(other, title="New risograph run")
        _post(creator, title="Studio tour")
    assert mailoutbox == []  # posts default to the digest
    from creators.tasks import notification_digests_send_task

    assert notification_digests_send_task.delay().get() == 1
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "3 updates" in mailoutbox[0].subject
    assert (
        "posted “Spring glazes”" in body and "New risograph run" in body and "Studio tour" in body
    )
    notification_digests_send_task.delay()
    assert len(mailoutbox) == 1  # nothing waits any more


# --- Unsubscribe --------------------------------------------------------------------------


def _token(user, topic):
    from creators.notification_emails import unsubscribe_token

    return unsubscribe_token(user_id=user.pk, topic=topic)


def test_unsubscribe_link_works_signed_out_and_asks_before_changing(client, fan):
    url = reverse("creators:unsubscribe", args=[_token(fan, "posts")])
    page = client.get(url)
    assert page.status_code == 200 and "new posts from creators you follow" in page.text
    assert not NotificationPreference.objects.exists()  # a GET (link preview) changes nothing
    done = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "gets no more emails" in done.text
    assert NotificationPreference.objects.get(user=fan, topic="posts").email_mode == "off"


def test_unsubscribe_from_all_turns_every_topic_off(client, fan):
    client.post(reverse("creators:unsubscribe", args=[_token(fan, "all")]))
    assert set(
        NotificationPreference.objects.filter(user=fan).values_list("email_mode", flat=True)
    ) == {"off"}
    assert NotificationPreference.objects.filter(user=fan).count() >= 4


def test_tampered_unsubscribe_link_changes_nothing(client, fan):
    token = _token(fan, "posts")
    response = client.post(reverse("creators:unsubscribe", args=[token[:-3] + "abc"]))
    assert response.status_code == 400
    assert "not valid" in response.text
    assert not NotificationPreference.objects.exists()


def test_expired_unsubscribe_link_changes_nothing(client, fan, monkeypatch, settings):
    import time

    token = _token(fan, "posts")
    later = time.time() + settings.NOTIFY_UNSUBSCRIBE_MAX_AGE.total_seconds() + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    response = client.post(reverse("creators:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "expired" in response.text
    assert not NotificationPreference.objects.exists()


# --- Pages --------------------------------------------------------------------------------


def _notify_follows(creator, count, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(count):
            follow_recorded(fan=UserFactory(), creator=creator)


def test_bell_shows_the_unread_count(client, creator, django_capture_on_commit_callbacks):
    _notify_follows(creator, 2, django_capture_on_commit_callbacks)
    client.force_login(creator.user)
    page = client.get(reverse("creators:account")).text
    assert 'aria-label="2 unread"' in page


def test_the_bell_count_comes_with_the_signed_in_users_own_query(
    client, creator, django_capture_on_commit_callbacks
):
    _notify_follows(creator, 101, django_capture_on_commit_callbacks)
    client.force_login(creator.user)
    url = reverse("creators:account")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).text
    assert 'aria-label="more than 99 unread"' in page and "99+" in page
    bell = [q["sql"] for q in queries if "creators_notification" in q["sql"]]
    assert len(bell) == 1 and '"creators_user"' in bell[0]  # a subquery of the user's row
    first = _bell(creator.user).first()
    client.post(reverse("creators:notification_read", args=[first.pk]))
    client.post(reverse("creators:notifications_read_all"))
    assert "unread" not in client.get(url).text


def test_notifications_page_lists_links_and_keeps_its_query_count(
    client, creator, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    _notify_follows(creator, 3, django_capture_on_commit_callbacks)
    client.force_login(creator.user)
    url = reverse("creators:notifications")
    client.get(url)  # warm the session and content type caches

    def render():
        # session, user, creator profile (nav), cart count, bell count, page count,
        # page rows (+ event, actor, creator joined), targets of one content type.
        with django_assert_max_num_queries(10):
            return client.get(url)

    few = render().text
    assert few.count("started following you") == 3 and "Today" in few
    _notify_follows(creator, 12, django_capture_on_commit_callbacks)
    many = render().text
    assert many.count("started following you") == 15


def test_mark_one_and_all_read(client, creator, django_capture_on_commit_callbacks):
    _notify_follows(creator, 3, django_capture_on_commit_callbacks)
    client.force_login(creator.user)
    first = _bell(creator.user).first()
    response = client.post(reverse("creators:notification_read", args=[first.pk]))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'aria-label="2 unread"' in client.get(reverse("creators:notifications")).text
    client.post(reverse("creators:notifications_read_all"))
    assert not _bell(creator.user).filter(read_at__isnull=True).exists()
    assert "unread" not in client.get(reverse("creators:notifications")).text


def test_another_users_notification_is_404(
    client, creator, fan, django_capture_on_commit_callbacks
):
    _notify_follows(creator, 1, django_capture_on_commit_callbacks)
    client.force_login(fan)
    note = _bell(creator.user).get()
    response = client.post(reverse("creators:notification_read", args=[note.pk]))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_settings_page_saves_a_choice_per_topic(client, fan):
    client.force_login(fan)
    url = reverse("creators:notification_settings")
    page = client.get(url).text
    assert "New posts from creators you follow" in page and "shop’s orders" in page
    modes = notifications.preferences_for_user(user=fan)
    assert modes["posts"] == "digest" and modes["comments"] == "immediate"
    response = client.post(url, {**modes, "posts": "off"})
    assert response.status_code == 302
    assert notifications.preferences_for_user(user=fan)["posts"] == "off"
    bad = client.post(url, {**modes, "posts": "loud"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.text
    assert notifications.preferences_for_user(user=fan)["posts"] == "off"


def test_withdrawing_takes_back_unread_and_unsent_but_not_what_was_seen(
    creator, django_capture_on_commit_callbacks
):
    _notify_follows(creator, 2, django_capture_on_commit_callbacks)
    seen, unseen = _bell(creator.user).order_by("id")
    notifications.notification_mark_read(notification=seen)
    notifications.notifications_withdraw(event_ids=[seen.event_id, unseen.event_id])
    assert list(_bell(creator.user)) == [seen]
    assert not Notification.objects.filter(channel=EMAIL, sent_at__isnull=True).exists()
