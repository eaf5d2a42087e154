"""The feed, discover, the post page and the creator page's posts: who sees what, keyset
pagination, and constant query counts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from creators.feed import Cursor, feed_discover, feed_following, posts_of_creator
from shops.models import PostProduct
from tests.factories import (
    CreatorProfileFactory,
    FollowFactory,
    PostFactory,
    PostImageFactory,
    ProductFactory,
    ProductImageFactory,
    ShopFactory,
)

pytestmark = pytest.mark.django_db
FEED_URL = reverse("creators:feed")
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def _creator(handle=None):
    profile = CreatorProfileFactory(**({"handle": handle} if handle else {}))
    ShopFactory(creator=profile)
    return profile


def _walk(fetch):
    """Every post id across all pages, following next cursors."""
    seen, cursor, pages = [], None, 0
    while True:
        page = fetch(cursor)
        seen += [post.pk for post in page.posts]
        pages += 1
        if not page.next_cursor:
            return seen, pages
        cursor = Cursor.decode(page.next_cursor)


def test_keyset_pages_never_repeat_or_skip_posts_with_equal_timestamps(fan):
    profile = _creator()
    FollowFactory(follower=fan, followed=profile.user)
    # 23 posts, many sharing a timestamp: the id breaks the ties.
    posts = [
        PostFactory(creator=profile.user, published_at=T0 + timedelta(minutes=n // 4))
        for n in range(23)
    ]
    expected = [p.pk for p in sorted(posts, key=lambda p: (p.published_at, p.pk), reverse=True)]
    seen, pages = _walk(lambda cursor: feed_following(user=fan, cursor=cursor, per_page=5))
    assert seen == expected and pages == 5


def test_cursor_round_trips_and_damaged_cursors_start_over():
    cursor = Cursor(published_at=T0, id=42)
    assert Cursor.decode(cursor.encode()) == cursor
    for bad in ("", "abc", "!!!", "x" * 200, Cursor.encode(cursor)[:-3]):
        assert Cursor.decode(bad) is None


def test_feed_shows_followed_creators_newest_first_including_followers_only(fan_client, fan):
    followed, other = _creator("followed_one"), _creator("other_one")
    FollowFactory(follower=fan, followed=followed.user)
    older = PostFactory(creator=followed.user, body="Older post", published_at=T0)
    members = PostFactory(
        creator=followed.user,
        body="For followers",
        visibility="followers",
        published_at=T0 + timedelta(hours=1),
    )
    PostFactory(creator=other.user, body="Not followed")
    PostFactory(creator=followed.user, body="Still a draft", status="draft", published_at=None)
    html = fan_client.get(FEED_URL).content.decode()
    assert "Your feed" in html
    assert html.index("For followers") < html.index("Older post")
    assert "Not followed" not in html and "Still a draft" not in html
    assert members.pk and older.pk


def test_discover_for_visitors_shows_public_posts_only(client):
    profile = _creator()
    FollowFactory(followed=profile.user)
    PostFactory(creator=profile.user, body="Public hello")
    PostFactory(creator=profile.user, body="Members only", visibility="followers")
    html = client.get(FEED_URL).content.decode()
    assert "Discover" in html and "Public hello" in html
    assert "Members only" not in html
    assert "Creators to follow" in html


def test_discover_ranks_creators_by_followers(fan_client):
    popular, quiet = _creator("popular_one"), _creator("quiet_one")
    FollowFactory.create_batch(3, followed=popular.user)
    PostFactory(creator=popular.user, body="From popular")
    PostFactory(creator=quiet.user, body="From quiet")
    page = feed_discover(cursor=None)
    assert [post.body for post in page.posts] == ["From popular"]


def test_a_fan_following_nobody_gets_discover_and_suggestions(fan_client):
    _creator("suggested_one")
    html = fan_client.get(FEED_URL).content.decode()
    assert "Discover" in html and "@suggested_one" in html


def test_following_creators_without_posts_shows_the_empty_state(fan_client, fan):
    FollowFactory(follower=fan, followed=_creator().user)
    _creator("another_one")
    html = fan_client.get(FEED_URL).content.decode()
    assert "Nothing new yet" in html and "@another_one" in html


def test_older_posts_link_and_a_damaged_cursor(fan_client, fan):
    profile = _creator()
    FollowFactory(follower=fan, followed=profile.user)
    for n in range(25):
        PostFactory(
            creator=profile.user,
            body=f"Post number {n:02d}",
            published_at=T0 + timedelta(minutes=n),
        )
    html = fan_client.get(FEED_URL).content.decode()
    assert "Post number 24" in html and "Post number 04" not in html
    cursor = html.split("?cursor=")[1].split('"')[0]
    older = fan_client.get(FEED_URL, {"cursor": cursor}).content.decode()
    assert "Post number 04" in older and "Post number 05" not in html.split("Older posts")[1]
    assert "Post number 05" not in older
    damaged = fan_client.get(FEED_URL, {"cursor": "garbage"}).content.decode()
    assert "That page link was damaged" in damaged and "Post number 24" in damaged


def _many_posts(fan, creators=5, per_creator=6):
    for _ in range(creators):
        profile = _creator()
        FollowFactory(follower=fan, followed=profile.user)
        product = ProductFactory(shop=profile.shop)
        ProductImageFactory(product=product)
        for n in range(per_creator):
            post = PostFactory(creator=profile.user, visibility="followers" if n % 2 else "public")
            PostImageFactory(post=post)
            PostProduct.objects.create(post=post, product=product)


def test_feed_query_count_is_constant(fan_client, fan, django_assert_max_num_queries):
    _many_posts(fan, creators=2, per_creator=2)
    # session, user, "follows anyone?", posts (+author, profile), post images, tagged
    # products (+product, shop, creator), product images, header creator profile, cart.
    with django_assert_max_num_queries(10) as small:
        fan_client.get(FEED_URL)
    _many_posts(fan, creators=6, per_creator=6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = fan_client.get(FEED_URL).content.decode()
    assert html.count('<article class="post-card') == 20


def test_deep_page_costs_what_the_first_costs(fan_client, fan, django_assert_max_num_queries):
    _many_posts(fan, creators=3, per_creator=10)
    with django_assert_max_num_queries(10) as first:
        html = fan_client.get(FEED_URL).content.decode()
    cursor = html.split("?cursor=")[1].split('"')[0]
    with django_assert_max_num_queries(len(first.captured_queries)):
        fan_client.get(FEED_URL, {"cursor": cursor})


def test_post_page_full_for_followers_teaser_for_others(client, fan):
    profile = _creator("ana_makes")
    post = PostFactory(
        creator=profile.user,
        body="Secret glaze recipe: " + "clay " * 60,
        body_html="<p>Secret glaze recipe: " + "clay " * 60 + "</p>",
        visibility="followers",
    )
    product = ProductFactory(shop=profile.shop, title="Glaze kit")
    PostProduct.objects.create(post=post, product=product)
    url = reverse("creators:post", args=["ana_makes", post.pk])
    teaser = client.get(url).content.decode()
    assert "Follow to read it all" in teaser and "Glaze kit" not in teaser
    assert teaser.count("clay") < 30
    assert "Secret glaze recipe: clay clay" in teaser  # a teaser, with a follow button
    client.force_login(fan)
    assert "Follow to read it all" in client.get(url).content.decode()
    FollowFactory(follower=fan, followed=profile.user)
    full = client.get(url).content.decode()
    assert "Follow to read it all" not in full and "Glaze kit" in full
    client.force_login(profile.user)
    assert "Glaze kit" in client.get(url).content.decode()


def test_a_short_followers_only_post_is_never_shown_whole(client):
    profile = _creator("ana_makes")
    post = PostFactory(
        creator=profile.user,
        body_html="<p>Sale friday, code FRIENDS20</p>",
        visibility="followers",
    )
    html = client.get(reverse("creators:post", args=["ana_makes", post.pk])).content.decode()
    assert "Sale friday,…" in html and "FRIENDS20" not in html


def test_drafts_and_scheduled_posts_are_404_except_for_their_author(client, fan):
    profile = _creator("ana_makes")
    for status, publish_at in (("draft", None), ("scheduled", T0 + timedelta(days=999))):
        post = PostFactory(
            creator=profile.user, status=status, published_at=None, publish_at=publish_at
        )
        url = reverse("creators:post", args=["ana_makes", post.pk])
        client.logout()
        assert client.get(url).status_code == 404
        client.force_login(fan)
        assert client.get(url).status_code == 404
        client.force_login(profile.user)
        assert "only you can see this" in client.get(url).content.decode()


def test_post_under_the_wrong_handle_is_404_or_redirects(client):
    post = PostFactory(creator=_creator("ana_makes").user)
    _creator("bob_makes")
    assert client.get(f"/@bob_makes/posts/{post.pk}/").status_code == 404
    response = client.get(f"/@ANA_MAKES/posts/{post.pk}/")
    assert response.status_code == 301 and response["Location"] == f"/@ana_makes/posts/{post.pk}/"


def test_question_posts_invite_answers_and_link_cards_are_plain_links(client):
    profile = _creator("ana_makes")
    post = PostFactory(creator=profile.user, is_question=True, link_url="https://video.example/v/1")
    html = client.get(reverse("creators:post", args=["ana_makes", post.pk])).content.decode()
    assert "asks:" in html and "Your turn" in html
    assert 'href="https://video.example/v/1" rel="nofollow ugc noopener"' in html
    assert "<iframe" not in html


def test_post_page_query_count(client, fan, django_assert_max_num_queries):
    profile = _creator("ana_makes")
    post = PostFactory(creator=profile.user)
    PostImageFactory.create_batch(4, post=post)
    for _ in range(4):
        product = ProductFactory(shop=profile.shop)
        ProductImageFactory(product=product)
        PostProduct.objects.create(post=post, product=product)
    client.force_login(fan)
    # session, user, post (+profile), images, follows?, follow counts, tagged products,
    # product images, header profile, cart; the conversation: post liked?, comment count,
    # comment page, replies, viewer's likes, blocked? (tests/creators/test_conversation.py).
    with django_assert_max_num_queries(17):
        assert client.get(reverse("creators:post", args=["ana_makes", post.pk])).status_code == 200


def test_creator_page_shows_latest_posts_with_constant_queries(
    client, fan, django_assert_max_num_queries
):
    profile = _creator("ana_makes")
    client.force_login(fan)
    PostFactory(creator=profile.user, body="First post ever", published_at=T0)
    with django_assert_max_num_queries(20) as few:
        client.get("/@ana_makes/")
    for n in range(10):
        post = PostFactory(
            creator=profile.user, body=f"Later post {n}", published_at=T0 + timedelta(hours=n + 1)
        )
        PostImageFactory(post=post)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/@ana_makes/").content.decode()
    assert "Later post 9" in html and "Later post 6" not in html
    assert "All posts by" in html
    everything = client.get(reverse("creators:posts", args=["ana_makes"])).content.decode()
    assert "Later post 0" in everything


def test_creator_posts_list_pages_through_everything(client):
    profile = _creator("ana_makes")
    ids = [PostFactory(creator=profile.user, published_at=T0).pk for _ in range(7)]
    seen, _ = _walk(
        lambda cursor: posts_of_creator(user_id=profile.user_id, cursor=cursor, per_page=3)
    )
    assert seen == sorted(ids, reverse=True)


def test_inactive_creators_posts_are_hidden(client):
    profile = _creator("gone_away")
    FollowFactory(followed=profile.user)
    post = PostFactory(creator=profile.user, body="Ghost post")
    profile.user.is_active = False
    profile.user.save()
    assert client.get(reverse("creators:post", args=["gone_away", post.pk])).status_code == 404
    assert "Ghost post" not in client.get(FEED_URL).content.decode()


def test_following_from_a_teaser_reloads_to_the_whole_post(client, fan):
    profile = _creator("ana_makes")
    post = PostFactory(
        creator=profile.user, body_html="<p>" + "word " * 30 + "ENDING</p>", visibility="followers"
    )
    url = reverse("creators:post", args=["ana_makes", post.pk])
    client.force_login(fan)
    teaser = client.get(url).content.decode().split('class="post-card__teaser"')[1]
    assert "hx-post" not in teaser.split("</article>")[0]  # a plain form: the page reloads
    response = client.post(
        reverse("creators:follow", args=["ana_makes"]), {"action": "follow", "next": url}
    )
    assert response["Location"] == url
    assert "ENDING" in client.get(url).content.decode()
