"""Post services: write, publish now or later, edit, delete; the scheduler with a frozen clock."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from creators import posts
from creators.models import (
    POST_BODY_MAX_LENGTH,
    EngagementEvent,
    EventKind,
    Post,
    PostImage,
    PostStatus,
)
from creators.posts import PostAction
from creators.tasks import posts_publish_due_task
from tests.factories import CreatorProfileFactory, UserFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _clean(n=1):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.images import clean_image_upload

    return [
        clean_image_upload(SimpleUploadedFile(f"p{i}.png", image_bytes(), "image/png"))
        for i in range(n)
    ]


def _published_events(post):
    return EngagementEvent.objects.filter(kind=EventKind.POST_PUBLISHED, target_id=post.pk)


@pytest.fixture
def author(db):
    return CreatorProfileFactory(handle="ana_makes").user


def test_publish_now_records_one_event_in_the_same_transaction(
    author, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post = posts.post_create(author=author, body="New glaze!", action=PostAction.PUBLISH)
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED and post.published_at is not None
    event = _published_events(post).get()
    assert event.actor == author and event.creator.handle == "ana_makes"
    assert event.dispatched_at is not None  # dispatched on commit (eager Celery)


def test_draft_records_nothing_and_markdown_is_sanitised(author):
    post = posts.post_create(
        author=author,
        body="**Hi** <script>alert(1)</script> [shop](https://example.com) "
        "[x](javascript:alert(1))",
    )
    assert post.status == PostStatus.DRAFT and post.published_at is None
    assert not _published_events(post).exists()
    assert "<strong>Hi</strong>" in post.body_html
    assert "<script>" not in post.body_html and "&lt;script&gt;" in post.body_html
    assert 'rel="nofollow ugc noopener"' in post.body_html
    assert 'href="javascript' not in post.body_html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"body": "   "}, "body", "can’t be empty"),
        ({"body": "x" * (POST_BODY_MAX_LENGTH + 1)}, "body", "at most 10,000 characters"),
        ({"link_url": "javascript:alert(1)"}, "link_url", "http:// or https://"),
        ({"link_url": "ftp://example.com/file"}, "link_url", "http:// or https://"),
        ({"link_url": "not a url"}, "link_url", "http:// or https://"),
        ({"action": "schedule"}, "publish_at", "Pick the date and time"),
        (
            {"action": "schedule", "publish_at": NOON - timedelta(minutes=1)},
            "publish_at",
            "already passed",
        ),
        ({"visibility": "secret"}, "visibility", "everyone or followers"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_writes_nothing(
    author, fields, field, message
):
    data = {"author": author, "body": "Hello fans", **fields}
    with time_machine.travel(NOON, tick=False), pytest.raises(ValidationError) as exc:
        posts.post_create(**data)
    assert message in " ".join(exc.value.message_dict[field])
    assert not Post.objects.exists()
    assert not EngagementEvent.objects.exists()


def test_at_most_four_images(author):
    with pytest.raises(ValidationError) as exc:
        posts.post_create(author=author, body="Too many", images=_clean(5))
    assert "at most 4 images" in exc.value.message_dict["images"][0]
    assert not Post.objects.exists()


def test_images_are_stored_through_the_gate_and_deleted_with_the_post(
    author, django_capture_on_commit_callbacks
):
    post = posts.post_create(author=author, body="Kiln day", images=_clean(2), image_alt="Mugs")
    images = list(post.images.all())
    assert [image.position for image in images] == [0, 1]
    assert images[0].alt_text == "Mugs" and set(images[0].variants) == {"feed", "thumb"}
    names = [images[0].image.name, *images[0].variants.values()]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        posts.post_delete(post=post)
    assert not Post.objects.exists() and not PostImage.objects.exists()
    assert not any(default_storage.exists(name) for name in names)


def test_only_creators_can_post(db):
    with pytest.raises(ValidationError, match="Open a shop"):
        posts.post_create(author=UserFactory(), body="Hi")


def test_edit_keeps_a_published_post_published_and_records_nothing_new(author):
    post = posts.post_create(author=author, body="v1", action=PostAction.PUBLISH)
    published_at = post.published_at
    post = posts.post_update(post=post, body="v2 *edited*", action=PostAction.DRAFT)
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED and post.published_at == published_at
    assert "<em>edited</em>" in post.body_html
    assert _published_events(post).count() == 1


def test_edit_adds_and_removes_images_within_the_limit(author):
    post = posts.post_create(author=author, body="Kiln", images=_clean(3))
    first = post.images.first()
    with pytest.raises(ValidationError, match="at most 4"):
        posts.post_update(post=post, body="Kiln", new_images=_clean(2))
    post = posts.post_update(
        post=post, body="Kiln", new_images=_clean(2), remove_image_ids=[first.pk]
    )
    assert [image.position for image in post.images.all()] == [0, 1, 2, 3]
    assert not PostImage.objects.filter(pk=first.pk).exists()


def test_scheduled_post_is_published_by_the_task_when_due_exactly_once(author):
    with time_machine.travel(NOON, tick=False):
        post = posts.post_create(
            author=author,
            body="Drop at one",
            action=PostAction.SCHEDULE,
            publish_at=NOON + timedelta(hours=1),
        )
        assert post.status == PostStatus.SCHEDULED
        assert posts_publish_due_task.delay().get() == 0  # not yet due
    with time_machine.travel(NOON + timedelta(minutes=59), tick=False):
        assert posts_publish_due_task.delay().get() == 0
    with time_machine.travel(NOON + timedelta(hours=1, seconds=30), tick=False):
        assert posts_publish_due_task.delay().get() == 1
        assert posts_publish_due_task.delay().get() == 0  # a second run does nothing
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post.published_at == NOON + timedelta(hours=1, seconds=30)
    event = _published_events(post).get()
    assert event.payload["scheduled"] is True
    assert event.created_at == post.published_at


def test_publishing_one_post_twice_records_one_event(author):
    with time_machine.travel(NOON, tick=False):
        post = posts.post_create(
            author=author, body="x", action=PostAction.SCHEDULE, publish_at=NOON + timedelta(1)
        )
    later = NOON + timedelta(days=2)
    assert posts.post_publish_scheduled(post_id=post.pk, now=later) is True
    assert posts.post_publish_scheduled(post_id=post.pk, now=later) is False
    assert _published_events(post).count() == 1


def test_a_draft_can_be_scheduled_then_published_now(author):
    with time_machine.travel(NOON, tick=False):
        post = posts.post_create(author=author, body="x")
        post = posts.post_update(
            post=post, body="x", action=PostAction.SCHEDULE, publish_at=NOON + timedelta(days=1)
        )
        assert post.status == PostStatus.SCHEDULED
        post = posts.post_update(post=post, body="x", action=PostAction.PUBLISH)
    assert post.status == PostStatus.PUBLISHED and post.publish_at is None
    assert post.published_at == NOON
    assert posts.posts_publish_due(now=NOON + timedelta(days=2)) == 0
    assert _published_events(post).count() == 1


def test_the_scheduler_runs_every_15_seconds_from_beat(settings):
    schedules = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedules["creators.tasks.posts_publish_due_task"] == timedelta(seconds=15)
