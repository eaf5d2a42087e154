"""Moderation: the creator hides comments and blocks fans; reports; staff bulk actions."""

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from creators import conversation, moderation
from creators.admin import ReportAdmin
from creators.models import Block, Comment, EngagementEvent, EventKind, Report, ReportStatus
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(creator):
    return PostFactory(creator=creator.user)


def post_url(post):
    return reverse("creators:post", args=[post.creator.creator_profile.handle, post.pk])


def moderate(client, comment, action):
    return client.post(reverse("creators:comment_moderate", args=[comment.pk]), {"action": action})


def test_hidden_comment_disappears_for_fans_but_creator_and_staff_see_it_marked(
    client, creator, post, fan
):
    comment = CommentFactory(post=post, body="Rude words here")
    conversation.comment_reply(author=fan, parent=comment, body="Reply to rude")
    client.force_login(creator.user)
    assert moderate(client, comment, "hide").status_code == 302
    comment.refresh_from_db()
    assert comment.is_hidden
    html = client.get(post_url(post)).content.decode()
    assert "Rude words here" in html and "Hidden</span>" in html and "Show again" in html
    client.force_login(fan)
    html = client.get(post_url(post)).content.decode()
    assert "Rude words here" not in html and "Reply to rude" not in html
    client.force_login(UserFactory(is_staff=True))
    assert "Rude words here" in client.get(post_url(post)).content.decode()
    client.force_login(creator.user)
    moderate(client, comment, "unhide")
    client.force_login(fan)
    assert "Rude words here" in client.get(post_url(post)).content.decode()


def test_only_the_content_creator_moderates(fan_client, post):
    comment = CommentFactory(post=post)
    for action in ("hide", "block"):
        assert moderate(fan_client, comment, action).status_code == 404
    comment.refresh_from_db()
    assert not comment.is_hidden and not Block.objects.exists()


def test_blocked_fan_gets_a_clear_message_and_cannot_comment(client, creator, post, fan):
    comment = CommentFactory(post=post, author=fan)
    client.force_login(creator.user)
    moderate(client, comment, "block")
    assert Block.objects.filter(creator=creator.user, blocked=fan).exists()
    client.force_login(fan)
    html = client.get(post_url(post)).content.decode()
    assert "turned off comments from your account" in html and 'name="body" rows="3"' not in html
    response = client.post(
        reverse("creators:post_comment", args=["ana_makes", post.pk]), {"body": "let me in"}
    )
    assert response.status_code == 400 and "turned off comments" in response.content.decode()
    with pytest.raises(ValidationError, match="turned off comments"):
        conversation.comment_reply(author=fan, parent=comment, body="still me")
    # The creator unblocks from the Studio list.
    client.force_login(creator.user)
    assert "Unblock" in client.get(reverse("creators:blocked")).content.decode()
    client.post(reverse("creators:blocked"), {"user": fan.pk})
    assert not Block.objects.exists()
    conversation.comment_create_on_post(author=fan, post=post, body="back again")


def test_creator_cannot_block_themselves(creator_client, creator, post):
    own = CommentFactory(post=post, author=creator.user)
    moderate(creator_client, own, "block")
    assert not Block.objects.exists()


def test_report_a_comment_once_with_a_reason(fan_client, fan, post):
    comment = CommentFactory(post=post)
    url = reverse("creators:comment_report", args=[comment.pk])
    assert "Spam or advertising" in fan_client.get(url).content.decode()
    response = fan_client.post(url, {"reason": ""})
    assert response.status_code == 400 and "Choose why" in response.content.decode()
    assert not Report.objects.exists()
    fan_client.post(url, {"reason": "spam", "details": "Link farm"})
    report = Report.objects.get()
    assert (report.reporter, report.comment, report.reason) == (fan, comment, "spam")
    event = EngagementEvent.objects.get(kind=EventKind.REPORT)
    assert event.payload == {"report_id": report.pk, "reason": "spam"}
    response = fan_client.post(url, {"reason": "scam"}, follow=True)
    assert "already reported this" in response.content.decode()
    assert Report.objects.count() == 1


def test_report_a_post(fan_client, fan, post):
    url = reverse("creators:post_report", args=["ana_makes", post.pk])
    fan_client.post(url, {"reason": "inappropriate"})
    assert Report.objects.get().post == post
    with pytest.raises(ValidationError, match="already reported"):
        moderation.report_create(reporter=fan, post=post, reason="spam")


def test_reporting_needs_sign_in(client, post):
    comment = CommentFactory(post=post)
    response = client.post(
        reverse("creators:comment_report", args=[comment.pk]), {"reason": "spam"}
    )
    assert response.status_code == 302 and not Report.objects.exists()


def _admin_action(action, queryset, staff):
    request = RequestFactory().post("/admin/")
    request.user = staff
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    getattr(ReportAdmin(Report, site), action)(request, queryset)


def test_staff_bulk_actions_hide_dismiss_suspend(post, fan):
    staff = UserFactory(is_staff=True, is_superuser=True)
    rude, fine = CommentFactory(post=post), CommentFactory(post=post)
    spammer = UserFactory()
    spam = CommentFactory(post=post, author=spammer)
    r_rude = moderation.report_create(reporter=fan, comment=rude, reason="harassment")
    r_rude2 = moderation.report_create(reporter=UserFactory(), comment=rude, reason="other")
    r_fine = moderation.report_create(reporter=fan, comment=fine, reason="other")
    r_spam = moderation.report_create(reporter=fan, comment=spam, reason="spam")
    r_post = moderation.report_create(reporter=fan, post=post, reason="spam")

    _admin_action("hide_content", Report.objects.filter(pk__in=[r_rude.pk, r_post.pk]), staff)
    rude.refresh_from_db()
    assert rude.is_hidden
    statuses = dict(Report.objects.values_list("pk", "status"))
    assert statuses[r_rude.pk] == statuses[r_rude2.pk] == ReportStatus.HIDDEN
    assert statuses[r_post.pk] == ReportStatus.OPEN

    _admin_action("dismiss", Report.objects.filter(pk=r_fine.pk), staff)
    assert Report.objects.get(pk=r_fine.pk).status == ReportStatus.DISMISSED
    assert not Comment.objects.get(pk=fine.pk).is_hidden

    _admin_action("suspend_authors", Report.objects.filter(pk=r_spam.pk), staff)
    spammer.refresh_from_db()
    assert not spammer.is_active
    report = Report.objects.get(pk=r_spam.pk)
    assert report.status == ReportStatus.SUSPENDED and report.resolved_by == staff
    with pytest.raises(ValidationError):
        conversation.comment_create_on_post(author=spammer, post=post, body="again")


def test_suspend_never_deactivates_staff(post):
    staff = UserFactory(is_staff=True)
    comment = CommentFactory(post=post, author=staff)
    report = moderation.report_create(reporter=UserFactory(), comment=comment, reason="other")
    _admin_action("suspend_authors", Report.objects.filter(pk=report.pk), staff)
    staff.refresh_from_db()
    assert staff.is_active


def test_admin_report_list_shows_open_reports_by_default(admin_client, post, fan):
    open_one = CommentFactory(post=post, body="Flagged text")
    closed = CommentFactory(post=post, body="Already dismissed")
    moderation.report_create(reporter=fan, comment=open_one, reason="spam")
    report = moderation.report_create(reporter=fan, comment=closed, reason="spam")
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.DISMISSED)
    url = reverse("admin:creators_report_changelist")
    html = admin_client.get(url).content.decode()
    assert "Flagged text" in html and "Already dismissed" not in html
    html = admin_client.get(url, {"status": "all"}).content.decode()
    assert "Flagged text" in html and "Already dismissed" in html
