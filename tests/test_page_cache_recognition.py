"""Recognition on cached pages: "From our fans" and fan badges are never stale.

These commit for real (`transactional_db`): the page cache is invalidated on commit.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from creators import conversation, featuring, moderation
from creators.badges import badges_rebuild
from creators.models import User
from creators.posts import PostAction, post_create
from reviews.services import ReviewInput, review_feature, review_set_hidden, review_write
from tests.creators.metrics_events import order
from tests.factories import ProductFactory, ShopFactory, UserFactory, paid_order_of

pytestmark = [pytest.mark.page_cache, pytest.mark.django_db(transaction=True)]


def visit(url) -> tuple[str, str]:
    response = Client().get(url)
    assert response.status_code == 200
    return response.content.decode(), response["X-Page-Cache"]


def warm(url) -> None:
    visit(url)
    assert visit(url)[1] == "hit"


def fans_section(page: str) -> str:
    if 'id="from-our-fans"' not in page:
        return ""
    return page.split('id="from-our-fans"')[1].split("</section>")[0]


@pytest.fixture
def shop():
    return ShopFactory(creator__handle="ana_makes", creator__display_name="Ana Makes")


@pytest.fixture
def featured_comment(shop):
    creator = shop.creator
    post = post_create(author=creator.user, body="New glazes", action=PostAction.PUBLISH)
    fan = UserFactory(name="Lena Fan")
    comment = conversation.comment_create_on_post(author=fan, post=post, body="Glorious blue")
    return comment


def test_featuring_and_hiding_a_comment_show_at_once_on_the_cached_creator_page(
    shop, featured_comment
):
    url = shop.creator.get_absolute_url()
    warm(url)
    featuring.comment_feature(
        creator_user=shop.creator.user, comment=featured_comment, feature=True
    )
    page, state = visit(url)
    assert state == "miss"
    assert "Glorious blue" in fans_section(page)
    warm(url)
    moderation.comment_set_hidden(comment=featured_comment, hidden=True)
    assert "Glorious blue" not in visit(url)[0]


def test_a_new_badge_shows_at_once_next_to_a_featured_fan(shop, featured_comment):
    creator = shop.creator
    featuring.comment_feature(creator_user=creator.user, comment=featured_comment, feature=True)
    url = creator.get_absolute_url()
    warm(url)
    assert "First supporter" not in fans_section(visit(url)[0])
    # The fan buys; the badge rebuild after the next roll-up makes them a first supporter.
    order(creator, featured_comment.author, timezone.now() - timedelta(minutes=5), "24.00")
    badges_rebuild()
    page, state = visit(url)
    assert state == "miss"
    assert "First supporter" in fans_section(page)
    warm(url)
    assert badges_rebuild().changed_creators == 0  # nothing changed: the page stays cached
    assert visit(url)[1] == "hit"


def test_blocking_or_suspending_a_featured_fan_takes_them_off_the_cached_page(
    shop, featured_comment
):
    creator = shop.creator
    featuring.comment_feature(creator_user=creator.user, comment=featured_comment, feature=True)
    url = creator.get_absolute_url()
    warm(url)
    moderation.block_create(creator=creator.user, blocked=featured_comment.author)
    assert "Glorious blue" not in visit(url)[0]
    moderation.block_delete(creator=creator.user, blocked_id=featured_comment.author_id)
    assert "Glorious blue" in visit(url)[0]
    warm(url)
    fan = User.objects.get(pk=featured_comment.author_id)
    fan.is_active = False
    fan.save()
    assert "Glorious blue" not in visit(url)[0]


def test_a_featured_review_hidden_by_staff_leaves_the_cached_creator_page(shop):
    mug = ProductFactory(shop=shop, title="Speckled mug")
    fan = UserFactory()
    paid_order_of(buyer=fan, product=mug)
    review, _ = review_write(
        author=fan, product=mug, data=ReviewInput(rating=5, title="Sings when tapped")
    )
    url = shop.creator.get_absolute_url()
    warm(url)
    review_feature(creator_user=shop.creator.user, review=review, feature=True)
    assert "Sings when tapped" in fans_section(visit(url)[0])
    warm(url)
    review_set_hidden(review=review, hidden=True)
    assert "Sings when tapped" not in visit(url)[0]


def test_removing_an_item_shows_at_once(shop, featured_comment):
    creator = shop.creator
    featuring.comment_feature(creator_user=creator.user, comment=featured_comment, feature=True)
    url = creator.get_absolute_url()
    warm(url)
    featuring.comment_feature(creator_user=creator.user, comment=featured_comment, feature=False)
    assert "From our fans" not in visit(url)[0]
