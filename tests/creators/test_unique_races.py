"""Losing a race on a unique constraint gives the normal outcome (creators' writes).

SQLite serialises writers, so the race is lost on purpose: the other request's row is
already there, and this request's first read for it misses (`tests.races.reads_miss`).
The live-server versions are in tests/test_real_stack_races.py.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from creators import conversation, fans, follows, moderation, thanks
from creators.models import (
    Block,
    CreatorProfile,
    EngagementEvent,
    EventKind,
    FanFollow,
    FanProfile,
    Follow,
    Reaction,
    Report,
    ThankYouNote,
)
from creators.services import ALREADY_CREATOR, HANDLE_TAKEN
from shops.models import Shop
from shops.services import shop_open
from tests.factories import (
    CreatorProfileFactory,
    FanProfileFactory,
    PostFactory,
    UserFactory,
)
from tests.races import reads_miss

pytestmark = pytest.mark.django_db


def test_a_follow_that_lost_the_race_is_the_same_follow_and_no_second_event(fan, creator):
    follows.follow_create(follower=fan, followed=creator.user)
    with reads_miss(Follow, "get"):
        assert follows.follow_create(follower=fan, followed=creator.user) is False
    assert Follow.objects.count() == 1
    assert EngagementEvent.objects.filter(kind=EventKind.FOLLOW).count() == 1


def test_a_fan_follow_that_lost_the_race_is_the_same_follow(fan):
    tastemaker = FanProfileFactory().user
    fans.fan_follow_create(follower=fan, followed=tastemaker)
    with reads_miss(FanFollow, "get"):
        assert fans.fan_follow_create(follower=fan, followed=tastemaker) is False
    assert FanFollow.objects.count() == 1
    assert EngagementEvent.objects.filter(kind=EventKind.FAN_FOLLOW).count() == 1


def test_a_block_that_lost_the_race_is_the_same_block(creator, fan):
    moderation.block_create(creator=creator.user, blocked=fan)
    with reads_miss(Block, "get"):
        assert moderation.block_create(creator=creator.user, blocked=fan) is False
    assert Block.objects.count() == 1


def test_a_like_that_lost_the_race_counts_once(fan, creator):
    post = PostFactory(creator=creator.user)
    assert conversation.reaction_add(user=fan, post=post) is True
    assert conversation.reaction_add(user=fan, post=post) is False  # the insert is the check
    post.refresh_from_db()
    assert post.reaction_count == 1 == Reaction.objects.count()
    assert EngagementEvent.objects.filter(kind=EventKind.REACTION).count() == 1


def test_a_report_that_lost_the_race_is_refused_as_a_duplicate_and_writes_nothing(fan, creator):
    post = PostFactory(creator=creator.user)
    moderation.report_create(reporter=fan, reason="spam", post=post)
    with pytest.raises(ValidationError) as refused:
        moderation.report_create(reporter=fan, reason="spam", post=post)
    assert refused.value.code == "duplicate"
    assert Report.objects.count() == 1
    assert EngagementEvent.objects.filter(kind=EventKind.REPORT).count() == 1


def test_fan_profile_settings_that_lost_the_race_update_the_profile_made_first(fan):
    first = fans.fan_profile_update(user=fan, name=fan.name, is_public=False)
    with reads_miss(FanProfile, "get"):
        profile = fans.fan_profile_update(user=fan, name=fan.name, is_public=True, bio="Hi")
    assert FanProfile.objects.count() == 1
    assert profile.public_id == first.public_id
    assert (profile.is_public, profile.bio) == (True, "Hi")


def test_a_double_submitted_shop_that_lost_the_race_says_you_already_have_one():
    user = UserFactory()
    shop_open(user=user, handle="tab_pots", display_name="Tab Pots")
    # Both checks (already a creator? handle taken?) ran before the other submit committed.
    with reads_miss(CreatorProfile, "exists", times=2), pytest.raises(ValidationError) as lost:
        shop_open(user=user, handle="tab_pots", display_name="Tab Pots")
    assert lost.value.messages == [ALREADY_CREATOR]
    assert lost.value.code == "already_creator"
    assert Shop.objects.count() == 1
    assert EngagementEvent.objects.filter(kind=EventKind.SHOP_OPENED).count() == 1


def test_a_handle_lost_to_another_fan_is_the_taken_handle_error_and_leaves_no_trace():
    CreatorProfileFactory(handle="Same_Handle")
    user = UserFactory()
    with reads_miss(CreatorProfile, "exists", times=2), pytest.raises(ValidationError) as lost:
        shop_open(user=user, handle="same_handle", display_name="Race")
    assert lost.value.message_dict == {"handle": [HANDLE_TAKEN]}
    assert CreatorProfile.objects.count() == 1
    assert not hasattr(user, "creator_profile")  # no unsaved profile left on the user


def test_open_shop_page_whose_own_double_submit_won_redirects_to_the_studio(client, monkeypatch):
    # The other tab opened the shop after this one's first check (made on the user as
    # loaded when the request began): this one's form now finds its own handle taken;
    # it is answered as a later submit is.
    user = UserFactory()
    shop_open(user=user, handle="tab_pots", display_name="Tab Pots")
    client.force_login(user)
    monkeypatch.setattr("shops.views.creator_profile_of", lambda user: None)
    response = client.post(reverse("shops:open"), {"handle": "tab_pots", "display_name": "Tab"})
    assert response.status_code == 302
    assert response["Location"] == reverse("creators:studio")
    assert [m.message for m in response.wsgi_request._messages] == [ALREADY_CREATOR]


def test_a_thank_you_note_that_lost_the_race_is_refused_as_sent_today(creator, fan):
    post = PostFactory(creator=creator.user)
    conversation.reaction_add(user=fan, post=post)
    thanks.thank_you_send(creator=creator, fan=fan, body="Thank you!")
    with reads_miss(ThankYouNote, "exists"), pytest.raises(ValidationError) as lost:
        thanks.thank_you_send(creator=creator, fan=fan, body="Thank you again!")
    assert lost.value.code == "once_a_day"
    assert ThankYouNote.objects.count() == 1
    assert EngagementEvent.objects.filter(kind=EventKind.THANK_YOU).count() == 1
