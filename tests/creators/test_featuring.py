"""Featuring fans' comments and reviews on the creator page ("From our fans")."""

import pytest
from django.test import Client
from django.urls import reverse

from creators import conversation, featuring, moderation
from creators.badges import badges_rebuild
from creators.models import (
    FEATURED_MAX,
    BadgeKind,
    EmailMode,
    EventKind,
    FanBadge,
    FeaturedItem,
    Notification,
    NotificationChannel,
    NotificationPreference,
)
from creators.posts import PostAction, post_create, post_update
from reviews import services as reviews
from reviews.ratings import ratings_repair
from shops.models import ProductStatus
from shops.services import product_set_status
from tests.factories import (
    CommentFactory,
    CreatorProfileFactory,
    ProductFactory,
    ReviewFactory,
    ShopFactory,
    UserFactory,
    paid_order_of,
)

pytestmark = pytest.mark.django_db


def bell(user, kind=EventKind.FEATURED):
    return Notification.objects.filter(
        recipient=user, channel=NotificationChannel.IN_APP, kind=kind
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(use_case, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return use_case(*args, **kwargs)

    return run


@pytest.fixture
def post(creator, committed):
    return committed(post_create, author=creator.user, body="New glazes", action="publish")


@pytest.fixture
def fan_comment(post, fan, committed):
    return committed(
        conversation.comment_create_on_post, author=fan, post=post, body="**Best** mug ever"
    )


def feature_url(comment):
    return reverse("creators:comment_feature", args=[comment.pk])


def creator_page(client, creator):
    response = client.get(creator.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def fans_section(page: str) -> str:
    return (
        page.split('id="from-our-fans"')[1].split("</section>")[0]
        if "from-our-fans" in page
        else ""
    )


# --- Featuring a comment ---------------------------------------------------------------


def test_a_creator_features_a_fans_comment_and_the_fan_is_told(
    creator_client, creator, fan, fan_comment, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = creator_client.post(feature_url(fan_comment), {"action": "feature"})
    assert response.status_code == 302
    item = FeaturedItem.objects.get()
    assert (item.creator, item.fan, item.target) == (creator, fan, fan_comment)
    note = bell(fan).get()
    assert note.event.payload == {"fan_id": fan.pk, "what": "comment"}
    # The fan's notification reads as recognition and leads to the creator's page.
    client.force_login(fan)
    page = client.get(reverse("creators:notifications")).content.decode()
    assert f"You were featured: {creator.display_name} put your comment on their page" in page
    assert f"{creator.get_absolute_url()}#from-our-fans" in page
    # Everyone sees it on the creator page, rendered from the sanitised Markdown.
    client.logout()
    section = fans_section(creator_page(client, creator))
    assert "<strong>Best</strong> mug ever" in section
    assert fan.name in section


def test_featuring_twice_is_one_item_and_featuring_again_later_tells_nobody_twice(
    creator, fan, fan_comment, committed
):
    def feature(on):
        committed(
            featuring.comment_feature, creator_user=creator.user, comment=fan_comment, feature=on
        )

    feature(True)
    feature(True)
    assert FeaturedItem.objects.count() == 1
    feature(False)
    assert not FeaturedItem.objects.exists()
    feature(True)
    assert FeaturedItem.objects.count() == 1
    assert bell(fan).count() == 1


def test_the_fan_gets_an_email_unless_they_turned_recognition_email_off(
    creator, fan, post, committed, mailoutbox
):
    first = committed(conversation.comment_create_on_post, author=fan, post=post, body="One")
    committed(featuring.comment_feature, creator_user=creator.user, comment=first, feature=True)
    assert [m.subject for m in mailoutbox if "featured" in m.subject] == [
        f"You were featured: {creator.display_name} put your comment on their page"
    ]
    mailoutbox.clear()
    NotificationPreference.objects.create(user=fan, topic="recognition", email_mode=EmailMode.OFF)
    second = committed(conversation.comment_create_on_post, author=fan, post=post, body="Two")
    committed(featuring.comment_feature, creator_user=creator.user, comment=second, feature=True)
    assert bell(fan).count() == 2  # still in the bell
    assert [m.to for m in mailoutbox] == [[creator.user.email]]  # only "new comment" mail


def test_another_creators_comment_cannot_be_featured(client, fan_comment, fan):
    other = ShopFactory().creator
    client.force_login(other.user)
    assert client.post(feature_url(fan_comment), {"action": "feature"}).status_code == 404
    client.force_login(fan)  # the author is not the creator either
    assert client.post(feature_url(fan_comment), {"action": "feature"}).status_code == 404
    assert not FeaturedItem.objects.exists()


def test_feature_only_needs_post_and_csrf(creator, fan_comment, client):
    client.force_login(creator.user)
    assert client.get(feature_url(fan_comment)).status_code == 405
    strict = type(client)(enforce_csrf_checks=True)
    strict.force_login(creator.user)
    assert strict.post(feature_url(fan_comment), {"action": "feature"}).status_code == 403
    assert not FeaturedItem.objects.exists()


REFUSALS = {
    "own": "Feature what fans say: this comment is yours.",
    "question": "Only comments on your posts can be featured.",
    "hidden": "Only comments everyone can see can be featured",
    "removed": "Only comments everyone can see can be featured",
    "followers_only": "Only comments everyone can see can be featured",
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_what_cannot_be_featured_is_refused_with_a_reason(
    case, creator, creator_client, fan, post, committed
):
    if case == "own":
        comment = CommentFactory(post=post, author=creator.user)
    elif case == "question":
        product = ProductFactory(shop=creator.shop)
        comment = conversation.comment_create_on_target(
            author=fan, target=product, owner=creator.user, body="Dishwasher safe?"
        )
    elif case == "followers_only":
        private = post_create(
            author=creator.user, body="Members only", action=PostAction.PUBLISH,
            visibility="followers",
        )  # fmt: skip
        comment = CommentFactory(post=private, author=fan)
    else:
        comment = CommentFactory(
            post=post, author=fan, is_hidden=case == "hidden",
            deleted_at=None if case != "removed" else post.published_at,
        )  # fmt: skip
    response = creator_client.post(feature_url(comment), {"action": "feature"}, follow=True)
    assert response.status_code == 200
    assert REFUSALS[case] in response.content.decode()
    assert not FeaturedItem.objects.exists()


def test_a_creator_features_at_most_six(creator, creator_client, post):
    comments = [CommentFactory(post=post) for _ in range(FEATURED_MAX + 1)]
    for comment in comments[:FEATURED_MAX]:
        featuring.comment_feature(creator_user=creator.user, comment=comment, feature=True)
    response = creator_client.post(feature_url(comments[-1]), {"action": "feature"}, follow=True)
    assert "at most 6 pieces from fans" in response.content.decode()
    assert FeaturedItem.objects.count() == FEATURED_MAX


# --- Reviews ---------------------------------------------------------------------------


@pytest.fixture
def mug(creator):
    return ProductFactory(shop=creator.shop, title="Speckled mug")


@pytest.fixture
def review(mug, fan):
    paid_order_of(buyer=fan, product=mug)
    written, _ = reviews.review_write(
        author=fan, product=mug, data=reviews.ReviewInput(rating=5, title="Perfect", body="Love")
    )
    return written


def test_a_creator_features_a_review_of_their_product(
    creator, creator_client, review, fan, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = creator_client.post(
            reverse("reviews:feature", args=[review.pk]), {"action": "feature"}
        )
    assert response.status_code == 302
    assert FeaturedItem.objects.get().target == review
    assert bell(fan).get().event.payload["what"] == "review"
    section = fans_section(creator_page(client, creator))
    assert "Perfect" in section and "Speckled mug" in section
    assert "5 out of 5 stars" in section


def test_a_review_of_another_shops_product_cannot_be_featured(client, review):
    other = ShopFactory().creator
    client.force_login(other.user)
    url = reverse("reviews:feature", args=[review.pk])
    assert client.post(url, {"action": "feature"}).status_code == 404
    assert not FeaturedItem.objects.exists()


def test_the_review_section_offers_feature_and_thanks_to_the_owner_only(
    creator_client, client, fan, review, mug
):
    page = creator_client.get(mug.get_absolute_url()).content.decode()
    assert reverse("reviews:feature", args=[review.pk]) in page
    assert reverse("creators:thank_fan", args=[fan.pk]) in page
    client.force_login(UserFactory())
    page = client.get(mug.get_absolute_url()).content.decode()
    assert reverse("reviews:feature", args=[review.pk]) not in page
    assert reverse("creators:thank_fan", args=[fan.pk]) not in page


# --- What disappears ---------------------------------------------------------------------


def test_moderated_or_no_longer_public_content_leaves_the_section(
    creator, client, post, mug, committed
):
    fans = UserFactory.create_batch(6)
    comments = [CommentFactory(post=post, author=f, body=f"by {f.name}") for f in fans[:4]]
    for comment in comments:
        featuring.comment_feature(creator_user=creator.user, comment=comment, feature=True)
    review = ReviewFactory(product=mug, author=fans[4], title="Hidden later")
    kept = ReviewFactory(product=ProductFactory(shop=creator.shop), author=fans[5], title="Kept")
    ratings_repair()
    for r in (review, kept):
        reviews.review_feature(creator_user=creator.user, review=r, feature=True)
    assert len(featuring.featured_for_creator(profile=creator)) == 6

    moderation.comment_set_hidden(comment=comments[0], hidden=True)  # hidden by the creator
    conversation.comment_delete(comment=comments[1])  # removed by its author
    moderation.block_create(creator=creator.user, blocked=fans[2])  # author blocked
    fans[3].is_active = False  # author suspended by staff
    fans[3].save()
    reviews.review_set_hidden(review=review, hidden=True)  # staff hid the review
    section = fans_section(creator_page(client, creator))
    assert [card.target for card in featuring.featured_for_creator(profile=creator)] == [kept]
    assert "Kept" in section and "Hidden later" not in section
    for fan in fans[:4]:
        assert f"by {fan.name}" not in section
    # The removed comment took its place along; the owner sees the rest, marked.
    assert FeaturedItem.objects.count() == 5
    owner_cards = featuring.featured_for_creator(profile=creator, owner=True)
    assert sorted(card.visible for card in owner_cards) == [False, False, False, False, True]

    product_set_status(product=kept.product, status=ProductStatus.ARCHIVED)
    assert featuring.featured_for_creator(profile=creator) == []


def test_a_comment_leaves_the_section_when_its_post_turns_followers_only(
    creator, fan_comment, post
):
    featuring.comment_feature(creator_user=creator.user, comment=fan_comment, feature=True)
    assert len(featuring.featured_for_creator(profile=creator)) == 1
    post_update(post=post, body=post.body, action=PostAction.PUBLISH, visibility="followers")
    assert featuring.featured_for_creator(profile=creator) == []


def test_the_owner_removes_an_item_from_their_page_and_nobody_else_can(
    creator, creator_client, fan_comment
):
    featuring.comment_feature(creator_user=creator.user, comment=fan_comment, feature=True)
    item = FeaturedItem.objects.get()
    url = reverse("creators:featured_remove", args=[item.pk])
    stranger = Client()
    stranger.force_login(ShopFactory().creator.user)
    assert stranger.post(url).status_code == 404
    assert FeaturedItem.objects.exists()
    page = creator_page(creator_client, creator)
    assert url in fans_section(page)
    response = creator_client.post(url)
    assert response["Location"] == f"{creator.get_absolute_url()}#from-our-fans"
    assert not FeaturedItem.objects.exists()


# --- Badges next to comments and reviews, and query budgets ---------------------------


def test_badges_show_next_to_a_fans_comment_with_a_tooltip(
    creator, fan, fan_comment, post, client, mug
):
    paid_order_of(buyer=fan, product=mug)
    reviews.review_write(author=fan, product=mug, data=reviews.ReviewInput(rating=4))
    badges_rebuild()
    assert set(FanBadge.objects.values_list("kind", flat=True)) == {BadgeKind.REVIEWER}
    page = client.get(post.get_absolute_url()).content.decode()
    comment_html = page.split(f'id="comment-{fan_comment.pk}"')[1].split("</article>")[0]
    assert 'title="Reviewed this creator’s products"' in comment_html
    assert ">Reviewer<" in comment_html
    # …but only with this creator: on another creator's post the fan has none.
    other_post = post_create(
        author=CreatorProfileFactory().user, body="Hello", action=PostAction.PUBLISH
    )
    CommentFactory(post=other_post, author=fan)
    assert "Reviewer" not in client.get(other_post.get_absolute_url()).content.decode()


def _comments_with_badges(post, creator, n):
    fans = UserFactory.create_batch(n)
    for fan in fans:
        top = CommentFactory(post=post, author=fan)
        CommentFactory(post=post, author=fan, parent=top)
        FanBadge.objects.create(creator=creator, fan=fan, kind=BadgeKind.TOP_FAN, rank=1)
        FanBadge.objects.create(creator=creator, fan=fan, kind=BadgeKind.REVIEWER)
    return fans


@pytest.mark.parametrize("viewer", ["visitor", "creator"])
def test_a_post_page_shows_badges_at_a_constant_query_count(
    viewer, creator, post, client, django_assert_max_num_queries
):
    if viewer == "creator":
        client.force_login(creator.user)
    _comments_with_badges(post, creator, 5)
    with django_assert_max_num_queries(30) as small:
        page = client.get(post.get_absolute_url()).content.decode()
    assert page.count(">Top fan<") == 10  # five comments and five replies
    _comments_with_badges(post, creator, 45)
    # The same queries for 50 comments with replies and badges as for 5: the badges of
    # the page's authors are one query (creators.threads), whoever is looking.
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(post.get_absolute_url()).content.decode()
    assert page.count(">Top fan<") == 100


def test_a_product_pages_reviews_and_questions_show_badges_at_a_constant_query_count(
    creator, mug, client, django_assert_max_num_queries
):
    def add(n):
        for fan in UserFactory.create_batch(n):
            ReviewFactory(product=mug, author=fan)
            conversation.comment_create_on_target(
                author=fan, target=mug, owner=creator.user, body="A question"
            )
            FanBadge.objects.create(creator=creator, fan=fan, kind=BadgeKind.ADVOCATE, count=2)
        ratings_repair()

    add(5)
    with django_assert_max_num_queries(30) as small:
        page = client.get(mug.get_absolute_url()).content.decode()
    assert page.count(">Advocate<") == 10
    assert "Brought 2 purchases to this creator by sharing" in page
    add(45)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(mug.get_absolute_url()).content.decode()
    assert page.count(">Advocate<") == 10 + 50  # a page of 10 reviews, 50 questions


def test_the_creator_page_with_featured_fans_costs_a_constant_number_of_queries(
    creator, post, mug, client, django_assert_max_num_queries
):
    def feature(n):
        for _ in range(n):
            fan = UserFactory()
            comment = CommentFactory(post=post, author=fan)
            featuring.comment_feature(creator_user=creator.user, comment=comment, feature=True)
            FanBadge.objects.create(creator=creator, fan=fan, kind=BadgeKind.TOP_FAN, rank=1)
            review = ReviewFactory(product=mug, author=fan)
            reviews.review_feature(creator_user=creator.user, review=review, feature=True)

    feature(1)
    # Queries: the creator; "From our fans": the items (their fans joined), the comments
    # (posts joined), the reviews (products, shops and creators joined), the fans'
    # badges; the follow counts; the latest posts, their images and products; the shop's
    # count, rating, page of products and their images. If you add one, say why.
    with django_assert_max_num_queries(13) as small:
        page = client.get(creator.get_absolute_url()).content.decode()
    assert fans_section(page).count(">Top fan<") == 2
    feature(2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(creator.get_absolute_url()).content.decode()
    assert fans_section(page).count('class="card featured-card') == FEATURED_MAX
