"""Races on unique constraints over HTTP: eight requests at once, from threads released
together, against the live server (a thread of this process, on the test database).

Each race must give every request the normal outcome — the one it gets when it comes a
moment later rather than at the same instant — never a 5xx, with exactly one row written
and counters exact. Each round races on fresh rows (a new fan, a new review…), so every
round is a real race. One person's racing requests are tabs of one browser (one session).
"""

from datetime import UTC, datetime, time
from decimal import Decimal
from functools import partial

import pytest
from django.core import mail
from django.utils import timezone

from creators import conversation, notify
from creators.milestones import follow_anniversaries_record
from creators.models import (
    Block,
    CreatorProfile,
    EngagementEvent,
    EventKind,
    FanFollow,
    FanProfile,
    FeaturedItem,
    Follow,
    FollowAnniversary,
    NotificationPreference,
    Report,
    ThankYouNote,
    User,
)
from reviews.models import (
    HelpfulVote,
    Review,
    ReviewEmailOptOut,
    ReviewReport,
    ReviewRequest,
    ReviewResponse,
)
from reviews.requests import review_request_send
from reviews.services import ReviewInput, review_write
from shops import lists
from shops.models import (
    Cart,
    CartLine,
    Checkout,
    Order,
    Product,
    SavedItem,
    ShareLink,
    Shop,
    Tag,
    TastemakerList,
    TastemakerListFollow,
    TastemakerListItem,
    TastemakerListReport,
)
from tests.factories import ADDRESS_FORM as ADDRESS
from tests.factories import CARD_FORM as CARD
from tests.factories import (
    PASSWORD,
    CommentFactory,
    FanProfileFactory,
    PostFactory,
    ProductFactory,
    ShopFactory,
    UserFactory,
    paid_order_of,
)
from tests.races import Browser, race_outcomes

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]

RACERS = 8
ROUNDS = 3


def _burst(browsers, path: str, data: dict | None = None, **kwargs) -> list:
    """Every browser posts `data` to `path` at the same instant; none may get a 5xx (or
    no answer). Returns the responses, in the order of `browsers`."""
    responses = race_outcomes([partial(b.post, path, data, **kwargs) for b in browsers])
    failed = [r for r in responses if not hasattr(r, "status_code") or r.status_code >= 500]
    assert failed == [], [getattr(r, "text", repr(r))[:3000] for r in failed]
    return responses


def _tabs(url: str, user) -> list[Browser]:
    """RACERS tabs of one signed-in browser: a double (or octuple) click."""
    first = Browser(url, user)
    return [first, *(first.twin() for _ in range(RACERS - 1))]


def _answers(responses) -> list[tuple[int, str]]:
    return sorted((r.status_code, r.headers.get("Location", "")) for r in responses)


@pytest.fixture
def shop():
    return ShopFactory(creator__handle="race_pots")


# --- Accounts and shops ------------------------------------------------------------------


def test_concurrent_sign_ups_with_one_email_make_one_account(live_server, settings):
    # allauth allows 20 sign-ups a minute per IP; every racer here comes from 127.0.0.1.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1000/m/ip"}
    for round_ in range(ROUNDS):
        email = f"racer{round_}@example.com"
        form = {"email": email, "password1": "a-Long-pass-7", "password2": "a-Long-pass-7"}
        visitors = [Browser(live_server.url) for _ in range(RACERS)]
        responses = _burst(visitors, "/accounts/signup/", form)

        # Every racer, winner or not, is told to check their email (enumeration prevention).
        assert _answers(responses) == [(302, "/accounts/confirm-email/")] * RACERS
        assert User.objects.filter(email__iexact=email).count() == 1
        # allauth mails an address at most once in 3 minutes: the confirmation, or — if a
        # loser got there first — "account already exists" (as for a sign-up one second
        # later). Either way the owner hears once, and nobody else.
        assert [m.to for m in mail.outbox if email in m.to] == [[email]]
    assert User.objects.count() == ROUNDS
    assert len(mail.outbox) == ROUNDS


def test_fans_racing_for_one_handle_get_one_shop_and_the_taken_handle_error(live_server):
    for round_ in range(ROUNDS):
        fans = UserFactory.create_batch(RACERS)
        form = {"handle": f"Same_Handle{round_}", "display_name": "Race Pottery"}
        responses = _burst([Browser(live_server.url, fan) for fan in fans], "/open-shop/", form)

        taken, opened = (200, ""), (302, f"/@Same_Handle{round_}/")
        assert _answers(responses) == [taken] * (RACERS - 1) + [opened]
        for response in responses:
            if response.status_code == 200:
                assert "That handle is already taken" in response.text
        assert CreatorProfile.objects.filter(handle__iexact=form["handle"]).count() == 1
    assert Shop.objects.count() == ROUNDS
    assert EngagementEvent.objects.filter(kind=EventKind.SHOP_OPENED).count() == ROUNDS


def test_a_fan_opening_a_shop_in_eight_tabs_gets_one_shop(live_server):
    for round_ in range(ROUNDS):
        fan = UserFactory()
        form = {"handle": f"tabs_{round_}", "display_name": "Tab Pottery"}
        responses = _burst(_tabs(live_server.url, fan), "/open-shop/", form)

        # The first opens it; the others hear "You already have a shop", as a later
        # submit does — never that their own handle is taken.
        opened, already = (302, f"/@tabs_{round_}/"), (302, "/studio/")
        assert _answers(responses) == [opened] + [already] * (RACERS - 1)
        assert Shop.objects.filter(creator__user=fan).count() == 1
    assert EngagementEvent.objects.filter(kind=EventKind.SHOP_OPENED).count() == ROUNDS


def test_saving_fan_profile_settings_in_eight_tabs_makes_one_profile(live_server):
    for _round in range(ROUNDS):
        fan = UserFactory(name="Tab Fan")
        form = {"name": "Tab Fan", "is_public": "on", "bio": "Pots, mostly."}
        responses = _burst(_tabs(live_server.url, fan), "/account/profile/", form)

        assert _answers(responses) == [(302, "/account/profile/")] * RACERS
        profile = FanProfile.objects.get(user=fan)
        assert profile.is_public and profile.bio == "Pots, mostly."


def test_email_settings_saved_in_eight_tabs_keep_one_row_per_topic(live_server):
    topics = [topic.name for topic in notify.topics_with_email()]
    for _round in range(ROUNDS):
        fan = UserFactory()
        form = dict.fromkeys(topics, "digest")
        responses = _burst(_tabs(live_server.url, fan), "/account/notifications/", form)

        assert _answers(responses) == [(302, "/account/notifications/")] * RACERS
        rows = NotificationPreference.objects.filter(user=fan)
        assert sorted(rows.values_list("topic", flat=True)) == sorted(topics)
        assert set(rows.values_list("email_mode", flat=True)) == {"digest"}


def test_review_email_opt_out_in_eight_tabs_is_one_row(live_server):
    for _round in range(ROUNDS):
        fan = UserFactory()
        responses = _burst(_tabs(live_server.url, fan), "/account/reviews/", {})
        assert _answers(responses) == [(302, "/account/reviews/")] * RACERS
        assert ReviewEmailOptOut.objects.filter(user=fan).count() == 1


# --- Follows, likes, saves, shares ---------------------------------------------------------


def test_a_follow_clicked_in_eight_tabs_is_one_follow_and_one_event(live_server, shop):
    handle = shop.creator.handle
    for _round in range(ROUNDS):
        fan = UserFactory()
        responses = _burst(
            _tabs(live_server.url, fan), f"/@{handle}/follow/", {"action": "follow"}, htmx=True
        )
        assert [r.status_code for r in responses] == [200] * RACERS
        assert all("Unfollow" in r.text or "Following" in r.text for r in responses)
        assert Follow.objects.filter(follower=fan).count() == 1
    assert Follow.objects.filter(followed=shop.creator.user).count() == ROUNDS
    assert EngagementEvent.objects.filter(kind=EventKind.FOLLOW).count() == ROUNDS


def test_a_fan_follow_clicked_in_eight_tabs_is_one_follow(live_server):
    tastemaker = FanProfileFactory(user=UserFactory(name="Tess Tastemaker"))
    for _round in range(ROUNDS):
        fan = UserFactory()
        path = f"/u/{tastemaker.public_id}/follow/"
        responses = _burst(_tabs(live_server.url, fan), path, {"action": "follow"})
        assert _answers(responses) == [(302, f"/u/{tastemaker.public_id}/")] * RACERS
        assert FanFollow.objects.filter(follower=fan).count() == 1
    assert FanFollow.objects.filter(followed=tastemaker.user).count() == ROUNDS
    assert EngagementEvent.objects.filter(kind=EventKind.FAN_FOLLOW).count() == ROUNDS


def test_a_like_clicked_in_eight_tabs_counts_once(live_server, shop):
    post = PostFactory(creator=shop.creator.user)
    comment = CommentFactory(post=post)
    post_path = f"/@{shop.creator.handle}/posts/{post.pk}/like/"
    comment_path = f"/comments/{comment.pk}/like/"
    for _round in range(ROUNDS):
        fan = UserFactory()
        for path in (post_path, comment_path):
            responses = _burst(_tabs(live_server.url, fan), path, {"action": "like"}, htmx=True)
            assert [r.status_code for r in responses] == [200] * RACERS
            assert all('aria-pressed="true"' in r.text for r in responses), responses[0].text
    post.refresh_from_db()
    comment.refresh_from_db()
    assert post.reaction_count == ROUNDS == post.reactions.count()
    assert comment.reaction_count == ROUNDS == comment.reactions.count()
    assert EngagementEvent.objects.filter(kind=EventKind.REACTION).count() == 2 * ROUNDS


def test_a_heart_clicked_in_eight_tabs_saves_once(live_server, shop):
    product = ProductFactory(shop=shop)
    for _round in range(ROUNDS):
        fan = UserFactory()
        responses = _burst(_tabs(live_server.url, fan), f"/saved/{product.pk}/", {"action": "save"})
        assert _answers(responses) == [(302, product.get_absolute_url())] * RACERS
        assert SavedItem.objects.filter(user=fan, product=product).count() == 1
    assert SavedItem.objects.count() == ROUNDS


def test_share_clicked_in_eight_tabs_makes_one_link(live_server, shop):
    product = ProductFactory(shop=shop)
    for _round in range(ROUNDS):
        fan = UserFactory()
        form = {"kind": "product", "target": product.pk}
        responses = _burst(_tabs(live_server.url, fan), "/share/", form, htmx=True)
        assert [r.status_code for r in responses] == [200] * RACERS
        link = ShareLink.objects.get(sharer=fan, product=product)
        assert all(f"/r/{link.code}" in r.text for r in responses)
    assert ShareLink.objects.count() == ROUNDS


# --- Reviews -------------------------------------------------------------------------------


def test_a_review_submitted_in_eight_tabs_is_one_review_counted_once(live_server, shop):
    product = ProductFactory(shop=shop)
    path = f"/@{shop.creator.handle}/p/{product.slug}/review/"
    for round_ in range(ROUNDS):
        buyer = UserFactory()
        paid_order_of(buyer=buyer, product=product)
        form = {"rating": str(round_ + 3), "title": "Lovely", "body": "Feels great."}
        responses = _burst(_tabs(live_server.url, buyer), path, form)

        # The first publishes it, the others update it: each gets the product page.
        review = Review.objects.get(author=buyer, product=product)
        assert (
            _answers(responses)
            == [(302, f"{product.get_absolute_url()}#review-{review.pk}")] * RACERS
        )
    product.refresh_from_db()
    assert product.rating_count == ROUNDS == Review.objects.count()
    assert product.rating_sum == 3 + 4 + 5


def test_helpful_clicked_in_eight_tabs_keeps_the_count_exact(live_server, shop):
    product = ProductFactory(shop=shop)
    author = UserFactory()
    paid_order_of(buyer=author, product=product)
    review, _ = review_write(author=author, product=product, data=ReviewInput(rating=5))
    for _round in range(ROUNDS):
        fan = UserFactory()
        responses = _burst(
            _tabs(live_server.url, fan), f"/reviews/{review.pk}/helpful/", {}, htmx=True
        )
        # A toggle: racing clicks may end marked or not, but the count is the marks.
        assert [r.status_code for r in responses] == [200] * RACERS
        assert HelpfulVote.objects.filter(review=review, user=fan).count() <= 1
        review.refresh_from_db()
        assert review.helpful_count == HelpfulVote.objects.filter(review=review).count()


def test_a_review_report_sent_in_eight_tabs_is_one_report(live_server, shop):
    review = Review.objects.create(
        product=ProductFactory(shop=shop), author=UserFactory(), rating=1, title="Meh"
    )
    back = f"{review.product.get_absolute_url()}#review-{review.pk}"
    for _round in range(ROUNDS):
        fan = UserFactory()
        responses = _burst(
            _tabs(live_server.url, fan), f"/reviews/{review.pk}/report/", {"reason": "spam"}
        )
        assert _answers(responses) == [(302, back)] * RACERS
        assert ReviewReport.objects.filter(review=review, reporter=fan).count() == 1


def test_a_creator_answering_and_featuring_a_review_in_eight_tabs(live_server, shop):
    product = ProductFactory(shop=shop)
    tabs = _tabs(live_server.url, shop.creator.user)
    for _round in range(ROUNDS):
        buyer = UserFactory()
        paid_order_of(buyer=buyer, product=product)
        review, _ = review_write(author=buyer, product=product, data=ReviewInput(rating=5))
        back = f"{product.get_absolute_url()}#review-{review.pk}"

        responses = _burst(tabs, f"/studio/reviews/{review.pk}/respond/", {"body": "Thanks!"})
        assert _answers(responses) == [(302, back)] * RACERS
        assert ReviewResponse.objects.filter(review=review).count() == 1

        path = f"/studio/reviews/{review.pk}/feature/"
        responses = _burst(tabs, path, {"action": "feature"})
        assert _answers(responses) == [(302, review.get_absolute_url())] * RACERS
    assert FeaturedItem.objects.count() == ROUNDS
    assert EngagementEvent.objects.filter(kind=EventKind.FEATURED).count() == ROUNDS


# --- Conversation and recognition --------------------------------------------------------


def test_reports_sent_in_eight_tabs_are_one_report_each(live_server, shop):
    post = PostFactory(creator=shop.creator.user)
    comment = CommentFactory(post=post)
    post_url = f"/@{shop.creator.handle}/posts/{post.pk}/"
    for _round in range(ROUNDS):
        fan = UserFactory()
        tabs = _tabs(live_server.url, fan)
        responses = _burst(tabs, f"{post_url}report/", {"reason": "spam"})
        assert _answers(responses) == [(302, post_url)] * RACERS
        responses = _burst(tabs, f"/comments/{comment.pk}/report/", {"reason": "spam"})
        assert _answers(responses) == [(302, f"{post_url}#comment-{comment.pk}")] * RACERS
        assert Report.objects.filter(reporter=fan).count() == 2
    assert EngagementEvent.objects.filter(kind=EventKind.REPORT).count() == 2 * ROUNDS


def test_a_creator_blocking_featuring_and_thanking_in_eight_tabs(live_server, shop):
    post = PostFactory(creator=shop.creator.user)
    tabs = _tabs(live_server.url, shop.creator.user)
    for _round in range(ROUNDS):
        fan = UserFactory(name="Fan Person")
        conversation.reaction_add(user=fan, post=post)  # a fan who interacted
        comment = CommentFactory(post=post, author=fan)
        where = f"/@{shop.creator.handle}/posts/{post.pk}/#comment-{comment.pk}"

        responses = _burst(tabs, f"/comments/{comment.pk}/feature/", {"action": "feature"})
        assert _answers(responses) == [(302, where)] * RACERS

        path = f"/studio/fans/{fan.pk}/thank/"
        responses = _burst(tabs, path, {"body": "Thank you for the kind words!"})
        # The first sends it; the others are told the fan was thanked today (400), as a
        # second note the same day is.
        assert _answers(responses) == [(302, "/studio/")] + [(400, "")] * (RACERS - 1)
        assert all("You already thanked" in r.text for r in responses if r.status_code == 400)

        responses = _burst(tabs, f"/comments/{comment.pk}/moderate/", {"action": "block"})
        assert _answers(responses) == [(302, where)] * RACERS
        assert Block.objects.filter(blocked=fan).count() == 1
        assert ThankYouNote.objects.filter(fan=fan).count() == 1
    assert FeaturedItem.objects.count() == ROUNDS
    assert EngagementEvent.objects.filter(kind=EventKind.THANK_YOU).count() == ROUNDS


# --- Tastemaker lists ----------------------------------------------------------------------


def test_list_items_follows_and_reports_raced_in_eight_tabs(live_server, shop):
    author = UserFactory()
    products = ProductFactory.create_batch(3, shop=shop)
    public = lists.list_create(author=author, title="Mugs I love")
    for product in products:
        lists.list_item_add(taste_list=public, product=product)
    for round_ in range(ROUNDS):
        # The author adds one product in eight tabs: one item; the others get the form
        # back saying it is already there, as a second add does.
        mine = lists.list_create(author=author, title=f"Round {round_}")
        product = ProductFactory(shop=shop)
        form = {"product": product.pk, "taste_list": mine.pk, "note": ""}
        responses = _burst(_tabs(live_server.url, author), "/lists/add/", form)
        assert _answers(responses) == [(302, mine.get_absolute_url())] + [(400, "")] * (RACERS - 1)
        assert all("is already on" in r.text for r in responses if r.status_code == 400)
        assert TastemakerListItem.objects.filter(taste_list=mine).count() == 1

        fan = UserFactory()
        tabs = _tabs(live_server.url, fan)
        responses = _burst(tabs, f"/lists/{public.pk}/follow/", {})
        assert _answers(responses) == [(302, public.get_absolute_url())] * RACERS
        responses = _burst(tabs, f"/lists/{public.pk}/report/", {"reason": "spam"})
        assert _answers(responses) == [(302, public.get_absolute_url())] * RACERS
        assert TastemakerListReport.objects.filter(reporter=fan).count() == 1
    assert TastemakerListFollow.objects.filter(taste_list=public).count() == ROUNDS
    assert TastemakerList.objects.get(pk=public.pk).follower_count == ROUNDS


# --- Studio products, cart and checkout ---------------------------------------------------


def test_a_product_created_in_eight_tabs_gets_eight_slugs_and_one_tag_each(live_server, shop):
    tabs = _tabs(live_server.url, shop.creator.user)
    form = {"title": "Moon jar", "price": "30.00", "kind": "physical", "stock": "5"}
    form["tags"] = "moon, stoneware"
    responses = _burst(tabs, "/studio/shop/new/", form)
    # Each submit is a product (the form has no idempotency key); none fails on the slug
    # or the new tags another tab created at the same instant.
    assert [r.status_code for r in responses] == [302] * RACERS
    slugs = sorted(Product.objects.values_list("slug", flat=True))
    assert slugs == sorted(["moon-jar", *(f"moon-jar-{n}" for n in range(2, RACERS + 1))])
    assert sorted(Tag.objects.values_list("slug", flat=True)) == ["moon", "stoneware"]


def test_add_to_cart_clicked_in_eight_tabs_adds_eight_within_the_stock(live_server, shop):
    plenty = ProductFactory(shop=shop, stock=50)
    scarce = ProductFactory(shop=shop, stock=3)
    for _round in range(ROUNDS):
        fan = UserFactory()
        tabs = _tabs(live_server.url, fan)
        form = {"product": plenty.pk, "quantity": "1"}
        responses = _burst(tabs, "/cart/add/", form)
        assert _answers(responses) == [(302, "/cart/")] * RACERS
        assert Cart.objects.filter(user=fan).count() == 1
        assert CartLine.objects.get(cart__user=fan, product=plenty).quantity == RACERS

        # Three left: three adds count, the others are told so (as later adds are).
        responses = _burst(tabs, "/cart/add/", {"product": scarce.pk, "quantity": "1"})
        assert _answers(responses) == [(302, "/cart/")] * RACERS
        assert CartLine.objects.get(cart__user=fan, product=scarce).quantity == 3


def test_sign_in_clicked_in_eight_tabs_merges_the_visitors_cart_once(live_server, shop):
    product = ProductFactory(shop=shop, stock=50)
    for _round in range(ROUNDS):
        fan = UserFactory()
        Cart.objects.create(user=fan).lines.create(product=product, quantity=1)
        visitor = Browser(live_server.url)
        visitor.post("/cart/add/", {"product": product.pk, "quantity": "2"})
        tabs = [visitor, *(visitor.twin() for _ in range(RACERS - 1))]
        form = {"login": fan.email, "password": PASSWORD}
        responses = _burst(tabs, "/accounts/login/", form)
        assert _answers(responses) == [(302, "/account/")] * RACERS
        assert CartLine.objects.get(cart__user=fan, product=product).quantity == 1 + 2
    assert not Cart.objects.filter(user__isnull=True).exists()


def test_place_order_clicked_in_eight_tabs_places_one_order(live_server, shop):
    product = ProductFactory(shop=shop, stock=10, price=Decimal("24.00"))
    for round_ in range(ROUNDS):
        fan = UserFactory()
        tabs = _tabs(live_server.url, fan)
        tabs[0].post("/cart/add/", {"product": product.pk, "quantity": "1"})
        key = f"00000000-0000-4000-8000-00000000000{round_}"
        form = {
            "email": fan.email,
            **ADDRESS,
            "payment_method": "test",
            **CARD,
            "idempotency_key": key,
            "step": "place",
        }
        responses = _burst(tabs, "/checkout/", form)
        assert _answers(responses) == [(302, f"/checkout/done/{key}/")] * RACERS
        assert Checkout.objects.filter(buyer=fan).count() == 1
        assert Order.objects.filter(buyer=fan).count() == 1
    product.refresh_from_db()
    assert product.stock == 10 - ROUNDS


# --- Jobs: the same writes from tasks that run twice at once (service level) -------------


def test_racing_anniversary_runs_tell_each_follow_year_once(shop):
    today = timezone.now().astimezone(UTC).date()
    a_year_ago = datetime.combine(today.replace(year=today.year - 1), time(12), tzinfo=UTC)
    fans = UserFactory.create_batch(3)
    for fan in fans:
        Follow.objects.create(follower=fan, followed=shop.creator.user, created_at=a_year_ago)
    told = race_outcomes([partial(follow_anniversaries_record, today=today)] * 4)
    assert sum(told) == len(fans)
    assert FollowAnniversary.objects.count() == len(fans)
    assert EngagementEvent.objects.filter(kind=EventKind.FOLLOW_ANNIVERSARY).count() == len(fans)


def test_racing_review_request_runs_send_one_email(shop):
    buyer = UserFactory()
    order = paid_order_of(buyer=buyer, product=ProductFactory(shop=shop))
    outcomes = race_outcomes([partial(review_request_send, order_id=order.pk)] * 4)
    assert sorted(outcomes, key=str) == [None, None, None, "sent"]
    assert ReviewRequest.objects.filter(order=order).count() == 1
    assert [m.to for m in mail.outbox] == [[buyer.email]]
