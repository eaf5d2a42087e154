"""`manage.py seed_demo`: believable, deterministic, idempotent demo data."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from creators.handles import validate_handle
from creators.models import CreatorProfile, EngagementEvent, EventKind, Follow, User
from relcommerce import demo, demo_catalog, demo_history
from reviews.models import HelpfulVote, Review, ReviewResponse
from reviews.ratings import ratings_repair
from shops.models import (
    Checkout,
    Order,
    OrderStatus,
    Product,
    ProductImage,
    ProductKind,
    ProductStatus,
    Shop,
    Tag,
)

pytestmark = pytest.mark.django_db

# Image processing dominates a seeding run, so most tests seed two creators only.
SMALL = ("--fans", "30", "--creators", "2")
FULL_SIZE_PNG = demo._png


@pytest.fixture(autouse=True)
def _demo_site(settings):
    """A demo site runs with DEBUG on (tests run with it off, which the command refuses).

    The command hashes the demo password once; keep that cheap in tests.
    """
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _quick_images(monkeypatch):
    """Generated images at a quarter of their size: storing full-size ones costs ~1 s each."""
    monkeypatch.setattr(demo, "_png", lambda image: FULL_SIZE_PNG(image.reduce(4)))
    monkeypatch.setattr(demo, "PRODUCT_IMAGE_SIDE", 160)


@pytest.fixture(autouse=True)
def _without_history(monkeypatch):
    """The relationship history (orders, comments, the roll-up) is tested in
    tests/test_demo_history.py; here it would only slow seeding down and keep demo users
    from being deleted (orders protect their shop)."""
    monkeypatch.setattr(demo_history, "demo_history_seed", lambda **kwargs: None)


@pytest.fixture
def full_size_images(monkeypatch):
    monkeypatch.setattr(demo, "_png", FULL_SIZE_PNG)


def wipe_users() -> None:
    """Delete every user (cascading to shops and products); demo orders go first, since
    an order keeps its shop (PROTECT)."""
    Order.objects.all().delete()
    Checkout.objects.all().delete()
    User.objects.all().delete()
    # Events without a creator (fans following fans) outlive their users: the log keeps
    # them with the actor emptied, which a wipe of the demo data must not count.
    EngagementEvent.objects.filter(creator__isnull=True).delete()


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User, EmailAddress, CreatorProfile, Shop, Follow, EngagementEvent, Product,
            ProductImage, Tag, Product.tags.through, Order, Review, ReviewResponse, HelpfulVote,
        )
    }  # fmt: skip


def product_facts() -> set[tuple]:
    return set(
        Product.objects.values_list(
            "shop__creator__handle", "slug", "title", "price", "compare_at_price", "stock",
            "status", "sales_count", "kind",
        )
    )  # fmt: skip


def follow_pairs() -> set[tuple[str, str]]:
    return set(Follow.objects.values_list("follower__email", "followed__creator_profile__handle"))


def media_files(settings) -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def test_seeds_creators_through_shop_open_with_images_on_disk():
    output = seed(*SMALL)

    profiles = list(CreatorProfile.objects.order_by("handle"))
    assert [p.handle for p in profiles] == sorted(c.handle for c in demo.CREATORS[:2])
    for profile in profiles:
        assert Shop.objects.filter(creator=profile, name=profile.display_name).exists()
        assert profile.bio and profile.display_name
        assert set(profile.avatar_variants) == {"sm", "md", "lg"}
        assert set(profile.banner_variants) == {"md", "lg"}
        for name in (profile.avatar.name, *profile.avatar_variants.values()):
            assert default_storage.exists(name), name
        for name in (profile.banner.name, *profile.banner_variants.values()):
            assert default_storage.exists(name), name
        # The shop's opening is history from before the 90-day follow window.
        opened = EngagementEvent.objects.get(creator=profile, kind=EventKind.SHOP_OPENED)
        assert opened.dispatched_at == opened.created_at == profile.created_at
        assert profile.created_at < timezone.now() - timedelta(days=demo.HISTORY_DAYS)
    assert all(p.is_featured for p in profiles)  # the first hand-written ones are featured
    assert "Demo data ready" in output


def test_the_creator_page_shows_the_seeded_images(client):
    seed("--fans", "0", "--creators", "1")
    profile = CreatorProfile.objects.get()

    response = client.get(profile.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert any(url in html for url in profile.avatar_urls.values())
    assert any(url in html for url in profile.banner_urls.values())


def test_output_lists_the_demo_logins_with_the_password():
    output = seed(*SMALL)

    assert demo.DEMO_PASSWORD in output
    for email in (demo.ADMIN_EMAIL, demo.creator_email(demo.CREATORS[0].handle), demo.fan_email(1)):
        assert email in output


def test_demo_accounts_can_log_in(client):
    seed(*SMALL)
    admin = User.objects.get(email=demo.ADMIN_EMAIL)
    assert admin.is_staff and admin.is_superuser

    # Through allauth's login form, which requires a verified address.
    for email in (demo.fan_email(1), demo.fan_email(30), demo.creator_email("mara_clay")):
        response = client.post(
            reverse("account_login"), {"login": email, "password": demo.DEMO_PASSWORD}
        )
        assert response.status_code == 302, email
        assert int(client.session["_auth_user_id"]) == User.objects.get(email=email).pk
        client.logout()

    # Staff sign in the same way, and admin first has them set up two-factor.
    response = client.post(
        reverse("account_login"), {"login": demo.ADMIN_EMAIL, "password": demo.DEMO_PASSWORD}
    )
    assert int(client.session["_auth_user_id"]) == admin.pk
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].endswith("?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F")


def test_fans_are_bulk_created_with_verified_primary_addresses():
    seed(*SMALL)

    fans = User.objects.filter(email__startswith="fan", email__endswith=f"@{demo.DEMO_DOMAIN}")
    assert fans.count() == 30
    assert set(fans.values_list("email", flat=True)) == {demo.fan_email(i) for i in range(1, 31)}
    assert all(fan.name and fan.has_usable_password() for fan in fans)
    # One hash (one salt) shared by all: hashing 100,000 passwords would take hours.
    assert fans.values("password").distinct().count() == 1
    assert EmailAddress.objects.filter(user__in=fans, verified=True, primary=True).count() == 30
    assert not fans.filter(is_staff=True).exists()


def test_follows_come_with_their_follow_events_as_history():
    seed(*SMALL)
    after = timezone.now()

    follows = list(Follow.objects.select_related("follower", "followed__creator_profile"))
    assert follows
    creators = set(CreatorProfile.objects.values_list("user_id", flat=True))
    events = {
        event.target_id: event for event in EngagementEvent.objects.filter(kind=EventKind.FOLLOW)
    }
    assert len(events) == len(follows)
    for follow in follows:
        assert follow.followed_id in creators
        assert follow.follower.date_joined <= follow.created_at <= after
        assert follow.created_at >= after - timedelta(days=demo.HISTORY_DAYS + 1)
        event = events[follow.pk]
        assert event.target == follow
        assert event.actor_id == follow.follower_id
        assert event.creator == follow.followed.creator_profile
        assert event.created_at == event.dispatched_at == follow.created_at
    # Nothing is left for the event pipeline to do.
    assert not EngagementEvent.objects.filter(dispatched_at__isnull=True).exists()
    # The printed fan login has a feed to look at.
    assert Follow.objects.filter(follower__email=demo.fan_email(1)).count() == 2


def test_popularity_is_skewed():
    seed("--fans", "300", "--creators", "3")

    followers = [
        Follow.objects.filter(followed__creator_profile__handle=c.handle).count()
        for c in demo.CREATORS[:3]
    ]
    assert followers[0] > followers[1] > followers[2] > 0
    assert followers[0] >= 1.5 * followers[2]


def test_running_twice_changes_nothing(settings):
    seed(*SMALL)
    first, files = counts(), media_files(settings)

    output = seed(*SMALL)

    assert counts() == first
    assert media_files(settings) == files
    assert demo.ADMIN_EMAIL in output


def test_more_fans_adds_only_the_missing_ones_and_same_seed_gives_same_data():
    seed("--fans", "20", "--creators", "2")
    small = follow_pairs()
    seed("--fans", "35", "--creators", "2")
    grown, grown_counts = follow_pairs(), counts()
    assert User.objects.filter(email__startswith="fan").count() == 35
    assert small < grown

    # Given a wiped database, when seeded at once with the same seed, the data is the same.
    wipe_users()
    seed("--fans", "35", "--creators", "2")
    assert follow_pairs() == grown
    assert counts() == grown_counts

    # A different seed gives a different follow graph.
    wipe_users()
    seed("--fans", "35", "--creators", "2", "--seed", "7")
    assert follow_pairs() != grown


def test_if_empty_skips_when_a_creator_exists(creator):
    before = counts()

    output = seed("--if-empty")

    assert "already has creators" in output
    assert counts() == before


def test_if_empty_seeds_an_empty_database():
    output = seed("--if-empty", "--fans", "3", "--creators", "1")

    assert CreatorProfile.objects.count() == 1
    assert "Demo data ready" in output


def test_a_crash_in_the_follows_phase_leaves_no_follow_but_keeps_earlier_phases(monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(demo, "_follow_events_insert", crash)
    with pytest.raises(RuntimeError):
        seed("--fans", "10", "--creators", "1")

    assert not Follow.objects.exists()
    assert User.objects.filter(email__startswith="fan").count() == 10
    monkeypatch.undo()
    seed("--fans", "10", "--creators", "1")  # the next run completes the rest
    assert Follow.objects.count() == EngagementEvent.objects.filter(kind=EventKind.FOLLOW).count()
    assert Follow.objects.exists()


def test_a_crash_in_the_creators_phase_leaves_no_creator_and_no_files(settings, monkeypatch):
    real_banner = demo.banner_png

    def banner_then_crash(creator, *, seed):
        if creator.handle == demo.CREATORS[1].handle:
            raise RuntimeError("boom")
        return real_banner(creator, seed=seed)

    monkeypatch.setattr(demo, "banner_png", banner_then_crash)
    with pytest.raises(RuntimeError):
        seed("--fans", "0", "--creators", "2")

    assert not CreatorProfile.objects.exists()
    assert not Shop.objects.exists()
    assert media_files(settings) == set()


def test_refuses_to_seed_production_unless_told(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="allow-production"):
        seed("--fans", "0", "--creators", "1")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "args", [("--fans", "-1"), ("--creators", "0"), ("--products-per-creator", "-1")]
)
def test_rejects_impossible_counts(args):
    with pytest.raises(CommandError):
        seed(*args)


def test_creator_plan_is_deterministic_and_valid():
    plan = demo.creator_plan(seed=42, count=30)

    assert plan == demo.creator_plan(seed=42, count=30)
    assert plan[: len(demo.CREATORS)] == list(demo.CREATORS)
    assert demo.creator_plan(seed=7, count=30)[len(demo.CREATORS) :] != plan[len(demo.CREATORS) :]
    handles = [creator.handle.lower() for creator in plan]
    assert len(set(handles)) == len(handles)
    for creator in plan:
        try:
            validate_handle(creator.handle)
        except ValidationError as exc:  # pragma: no cover - message for the failure
            pytest.fail(f"{creator.handle}: {exc}")
    featured = sum(creator.featured for creator in demo.creator_plan(seed=42, count=8))
    assert 4 <= featured <= 6


def test_generated_images_are_deterministic_and_pass_the_image_gate(full_size_images):
    creator = demo.CREATORS[0]

    avatar = demo.avatar_png(creator, seed=42)
    banner = demo.banner_png(creator, seed=42)

    assert avatar == demo.avatar_png(creator, seed=42)
    assert banner == demo.banner_png(creator, seed=42)
    assert demo._through_gate("a.png", avatar).image.size == (400, 400)
    assert demo._through_gate("b.png", banner).image.size == (1800, 600)


def test_every_creator_gets_a_believable_range_of_products():
    seed(*SMALL)

    for creator in demo.CREATORS[:2]:
        products = Product.objects.filter(shop__creator__handle=creator.handle)
        assert 6 <= products.count() <= 14
        published = products.filter(status=ProductStatus.PUBLISHED)
        assert published.count() >= products.count() - 2
        for product in published:
            assert product.published_at <= timezone.now()
            assert product.published_at >= timezone.now() - timedelta(days=demo.HISTORY_DAYS + 4)
            assert product.created_at <= product.published_at
        assert not products.filter(status=ProductStatus.DRAFT, published_at__isnull=False)
        for product in products:
            assert product.description and "<li>" in product.description_html
            assert product.price >= 0 and product.tags.exists()
            assert product.compare_at_price is None or product.compare_at_price > product.price
            assert product.sku
    mara = Product.objects.filter(shop__creator__handle="mara_clay")
    assert mara.filter(stock=0).exists()  # a sold-out one
    assert mara.filter(stock__in=(1, 2, 3)).exists()  # "only 2 left"
    assert mara.filter(compare_at_price__isnull=False).exists()
    assert mara.filter(sales_count__gt=0).exists()
    # Physical goods count their stock; digital goods are unlimited and deliver a file
    # from private storage, as publishing requires.
    assert not Product.objects.filter(kind=ProductKind.PHYSICAL, stock__isnull=True).exists()
    digital = Product.objects.filter(kind=ProductKind.DIGITAL)
    assert digital.exists() and not digital.filter(stock__isnull=False).exists()
    for product in digital:
        assert product.digital_file.name.endswith(".pdf")
        with product.digital_file.open("rb") as download:
            assert download.read(5) == b"%PDF-"


def test_products_have_one_to_three_images_on_disk_through_the_image_gate():
    seed(*SMALL)

    for product in Product.objects.prefetch_related("images"):
        pictures = list(product.images.all())
        assert 1 <= len(pictures) <= 3, product
        assert [p.position for p in pictures] == list(range(len(pictures)))
        assert pictures[0].alt_text == product.title
        for picture in pictures:
            assert set(picture.variants) == {"grid", "page", "zoom"}
            for name in (picture.image.name, *picture.variants.values()):
                assert name.startswith("products/") and default_storage.exists(name), name
    # Hand-written creators' products have images of their own.
    names = list(ProductImage.objects.values_list("image", flat=True))
    assert len(set(names)) == len(names)


def test_generated_creators_products_share_a_small_image_pool(monkeypatch):
    # Given one hand-written creator, so that the two others are generated.
    monkeypatch.setattr(demo, "CREATORS", demo.CREATORS[:1])
    monkeypatch.setattr(demo, "BATCH_SIZE", 15)  # products are inserted in several batches
    seed("--fans", "0", "--creators", "3", "--products-per-creator", "20")

    generated = Product.objects.exclude(shop__creator__handle=demo.CREATORS[0].handle)
    assert generated.count() == 40
    assert generated.filter(status=ProductStatus.PUBLISHED).count() >= 30
    assert len(set(generated.values_list("slug", flat=True))) >= 20  # distinct per shop
    pooled = set(ProductImage.objects.filter(product__in=generated).values_list("image", flat=True))
    assert ProductImage.objects.filter(product__in=generated).count() > len(pooled)
    assert len(pooled) <= 2 * demo.IMAGE_POOL_PER_SHAPE  # two crafts, one shape each at most


def test_the_catalog_shows_the_seeded_products(client):
    seed(*SMALL)

    response = client.get(reverse("catalog"), {"q": "mug"})

    assert response.status_code == 200
    titles = [product.title for product in response.context["products"]]
    assert "Speckled Oatmeal Mug" in titles
    assert "Serving Platter" not in titles  # a draft


def test_products_are_deterministic_for_a_seed():
    seed("--fans", "0", "--creators", "1")
    first = product_facts()
    wipe_users()  # cascades to shops and products
    seed("--fans", "0", "--creators", "1")
    assert product_facts() == first


def test_a_crash_in_the_products_phase_leaves_no_product_and_no_product_files(
    settings, monkeypatch
):
    calls = []

    def photo_then_crash(*args, **kwargs):
        calls.append(1)
        if len(calls) > 15:
            raise RuntimeError("boom")
        return real_photo(*args, **kwargs)

    real_photo = demo.product_photo
    monkeypatch.setattr(demo, "product_photo", photo_then_crash)
    with pytest.raises(RuntimeError):
        seed("--fans", "0", "--creators", "2")  # the second sells digital goods too

    assert CreatorProfile.objects.count() == 2  # the creators phase had committed
    assert not any(p.is_file() for p in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*"))
    assert not Product.objects.exists() and not ProductImage.objects.exists()
    assert not Path(settings.MEDIA_ROOT, "products").exists() or not any(
        Path(settings.MEDIA_ROOT, "products").iterdir()
    )
    monkeypatch.undo()
    seed("--fans", "0", "--creators", "2")  # the next run completes the rest
    assert Product.objects.filter(shop__creator__handle="mara_clay").count() == len(
        demo_catalog.SHOPS["mara_clay"].products
    )


def test_generated_creators_are_bulk_inserted_like_shop_open_would_and_idempotently(
    settings, monkeypatch
):
    # Given one hand-written creator, so that the five others take the bulk path.
    monkeypatch.setattr(demo, "CREATORS", demo.CREATORS[:1])
    monkeypatch.setattr(demo, "BATCH_SIZE", 2)  # several batches
    seed("--fans", "40", "--creators", "6", "--products-per-creator", "3")

    plan = demo.creator_plan(seed=42, count=6)
    generated = CreatorProfile.objects.exclude(handle=plan[0].handle).select_related("user")
    assert sorted(p.handle for p in generated) == sorted(c.handle for c in plan[1:])
    for profile in generated:
        shop = Shop.objects.get(creator=profile)
        assert shop.name == profile.display_name and shop.currency == "EUR"
        assert profile.user.email == demo.creator_email(profile.handle)
        assert EmailAddress.objects.filter(user=profile.user, verified=True, primary=True).exists()
        # The event shop_open records, as history from before the follow window.
        opened = EngagementEvent.objects.get(creator=profile, kind=EventKind.SHOP_OPENED)
        assert opened.actor_id == profile.user_id and opened.target == shop
        assert opened.payload == {"handle": profile.handle}
        assert opened.created_at == opened.dispatched_at == profile.created_at == shop.created_at
        assert profile.updated_at == profile.created_at
        assert profile.created_at < timezone.now() - timedelta(days=demo.HISTORY_DAYS)
        # Images from a pool that passed the image gate, every variant on disk.
        assert set(profile.avatar_variants) == {"sm", "md", "lg"}
        for name in (profile.avatar.name, *profile.banner_variants.values()):
            assert default_storage.exists(name), name
        assert Product.objects.filter(shop=shop).count() == 3
    avatars = set(generated.values_list("avatar", flat=True))
    assert len(avatars) < generated.count()  # shared, not one encoding per creator
    assert Follow.objects.filter(followed__creator_profile__in=generated).exists()
    assert EngagementEvent.objects.filter(kind=EventKind.FOLLOW).count() == Follow.objects.count()
    # The generated creators can sign in with the demo password.
    assert demo.creator_email(plan[1].handle) in set(User.objects.values_list("email", flat=True))

    # Deterministic: the same seed on a wiped database gives the same creators.
    facts = set(generated.values_list("handle", "display_name", "bio", "avatar"))
    first, files = counts(), media_files(settings)
    seed("--fans", "40", "--creators", "6", "--products-per-creator", "3")
    assert counts() == first and media_files(settings) == files  # idempotent: writes nothing
    wipe_users()
    seed("--fans", "40", "--creators", "6", "--products-per-creator", "3")
    assert {f[:3] for f in facts} == set(
        CreatorProfile.objects.exclude(handle=plan[0].handle).values_list(
            "handle", "display_name", "bio"
        )
    )


def test_demo_posts_are_believable_deterministic_and_idempotent():
    from creators.models import Post
    from shops.models import PostProduct

    seed(*SMALL)
    posts = list(Post.objects.order_by("creator_id", "published_at"))
    assert 6 <= len(posts) <= 12  # 3-6 for each of two creators
    now = timezone.now()
    assert all(now - timedelta(days=91) < p.published_at < now for p in posts)
    assert PostProduct.objects.exists()
    for link in PostProduct.objects.select_related("post", "product__shop__creator"):
        assert link.product.shop.creator.user_id == link.post.creator_id  # own products only
    events = EngagementEvent.objects.filter(kind=EventKind.POST_PUBLISHED)
    assert {(e.target_id, e.created_at) for e in events} == {(p.pk, p.published_at) for p in posts}
    assert not events.filter(dispatched_at__isnull=True).exists()
    snapshot = [(p.creator_id, p.body, p.is_question, p.visibility) for p in posts]

    before = counts()
    assert "0 new posts" in seed(*SMALL)
    assert counts() == before
    assert [
        (p.creator_id, p.body, p.is_question, p.visibility)
        for p in Post.objects.order_by("creator_id", "published_at")
    ] == snapshot


def test_conversation_has_questions_answers_likes_and_an_inbox(client):
    from creators.models import Comment, Reaction
    from creators.threads import inbox_for_creator

    seed(*SMALL)
    first = CreatorProfile.objects.get(handle=demo.CREATORS[0].handle)
    questions = Comment.objects.filter(target_id__isnull=False, parent__isnull=True)
    assert questions.filter(creator=first.user).exists()
    answers = Comment.objects.filter(parent__isnull=False, author=first.user)
    assert answers.exists()
    # Each answer stamped its question's first response, after the question was asked.
    for answer in answers.select_related("parent"):
        assert answer.parent.first_response_at <= answer.created_at
        assert answer.parent.first_response_at >= answer.parent.created_at
    assert inbox_for_creator(user=first.user).count() >= 3
    assert Reaction.objects.exists()
    # Events are history: back-dated and already dispatched.
    events = EngagementEvent.objects.filter(
        kind__in=[EventKind.QUESTION, EventKind.CREATOR_REPLY, EventKind.REACTION]
    )
    assert events.filter(kind=EventKind.QUESTION).count() == questions.count()
    assert not events.filter(dispatched_at__isnull=True).exists()
    assert events.filter(created_at__lt=timezone.now() - timedelta(hours=1)).exists()
    # The product page shows a seeded question with the creator's answer.
    answered = questions.filter(creator=first.user, first_response_at__isnull=False).first()
    html = client.get(answered.get_absolute_url().split("#")[0]).content.decode()
    assert answered.body.replace("'", "&#x27;") in html and "Creator</span>" in html


def test_conversation_is_idempotent_and_deterministic():
    from creators.models import Comment

    seed(*SMALL)
    comments = set(Comment.objects.values_list("author__email", "body", "created_at"))
    seed(*SMALL)
    assert set(Comment.objects.values_list("author__email", "body", "created_at")) == comments


def test_reviews_come_from_verified_buyers_with_responses_and_helpful_votes(client):
    seed(*SMALL)
    reviews = list(Review.objects.select_related("product__shop__creator", "author"))
    assert len(reviews) >= 5
    assert len({r.rating for r in reviews}) >= 3  # believable: not all five stars
    for review in reviews:
        assert Order.objects.filter(
            buyer=review.author,
            status=OrderStatus.PAID,
            items__product=review.product,
        ).exists(), "every demo review is a verified purchase"
        assert review.product.shop.creator.handle in {c.handle for c in demo.CREATORS}
    assert ReviewResponse.objects.exists() and HelpfulVote.objects.exists()
    assert ratings_repair() == 0  # the stored totals match the reviews
    product = max(reviews, key=lambda r: r.product.rating_count).product
    assert "all from verified buyers" in client.get(product.get_absolute_url()).content.decode()
