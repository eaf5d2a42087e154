"""The Studio's posts (/studio/posts/): write with tagged products, edit, delete, and who may."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from creators.models import EngagementEvent, Post, PostStatus
from shops.models import PostProduct
from tests.factories import PostFactory, ProductFactory, ShopFactory, UserFactory
from tests.images import fake_upload, image_upload

pytestmark = pytest.mark.django_db
NEW_URL = reverse("shops:post_create")


def _form(**overrides):
    data = {
        "body": "New **speckled** glaze today.",
        "link_url": "",
        "visibility": "public",
        "action": "publish",
        "publish_at": "",
    }
    data.update(overrides)
    return data


def test_creator_publishes_a_post_featuring_their_products(creator_client, creator):
    mug, bowl = ProductFactory(shop=creator.shop), ProductFactory(shop=creator.shop)
    response = creator_client.post(
        NEW_URL,
        _form(products=[bowl.pk, mug.pk], images=[image_upload()], image_alt="A bowl"),
    )
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/@ana_makes/posts/{post.pk}/"
    assert post.status == PostStatus.PUBLISHED and post.creator == creator.user
    assert list(PostProduct.objects.filter(post=post).values_list("product_id", flat=True)) == [
        bowl.pk,
        mug.pk,
    ]
    assert post.images.get().alt_text == "A bowl"
    page = creator_client.get(response["Location"])
    html = page.content.decode()
    assert "Your post is published." in html
    assert "<strong>speckled</strong>" in html
    assert html.index(bowl.title) < html.index(mug.title)
    assert html.count("Add to cart") == 2


def test_tagging_another_creators_product_is_refused_and_saves_nothing(creator_client, creator):
    other = ProductFactory(shop=ShopFactory(), title="Rival vase")
    response = creator_client.post(NEW_URL, _form(products=[other.pk]))
    assert response.status_code == 200
    assert "“Rival vase” is not from your shop" in response.content.decode()
    assert not Post.objects.exists() and not EngagementEvent.objects.exists()


def test_tagging_a_draft_product_is_refused(creator_client, creator):
    draft = ProductFactory(shop=creator.shop, status="draft", title="Secret jug")
    response = creator_client.post(NEW_URL, _form(products=[draft.pk]))
    assert "“Secret jug” isn’t published" in response.content.decode()
    assert not Post.objects.exists()


def test_scheduling_in_the_past_shows_a_clear_error(creator_client):
    past = (timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = creator_client.post(NEW_URL, _form(action="schedule", publish_at=past))
    assert "That time has already passed" in response.content.decode()
    assert not Post.objects.exists()


def test_schedule_for_later_then_it_is_listed_as_scheduled(creator_client):
    later = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = creator_client.post(NEW_URL, _form(action="schedule", publish_at=later))
    post = Post.objects.get()
    assert post.status == PostStatus.SCHEDULED
    listing = creator_client.get(reverse("shops:studio_posts")).content.decode()
    assert "Scheduled" in listing
    assert response.status_code == 302


def test_bad_url_and_over_long_body_are_reported_on_the_form(creator_client):
    response = creator_client.post(
        NEW_URL, _form(body="x" * 10_001, link_url="javascript:alert(1)")
    )
    html = response.content.decode()
    assert "at most 10000 characters" in html
    assert not Post.objects.exists()
    response = creator_client.post(NEW_URL, _form(link_url="javascript:alert(1)"))
    assert "starting with http:// or https://" in response.content.decode()
    assert not Post.objects.exists()


def test_edit_and_delete_by_the_owner(creator_client, creator):
    post = PostFactory(creator=creator.user, body="v1")
    edit_url = reverse("shops:post_edit", args=[post.pk])
    assert creator_client.get(edit_url).status_code == 200
    response = creator_client.post(edit_url, {"body": "v2", "visibility": "followers"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "v2" and post.visibility == "followers" and post.is_published
    response = creator_client.post(reverse("shops:post_delete", args=[post.pk]))
    assert response.status_code == 302 and not Post.objects.exists()


@pytest.mark.parametrize("name", ["shops:post_edit", "shops:post_delete"])
def test_another_users_post_is_a_404_and_stays_untouched(client, name):
    post = PostFactory(body="mine")
    for intruder in (UserFactory(), ShopFactory().creator.user):
        client.force_login(intruder)
        url = reverse(name, args=[post.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"body": "hacked", "visibility": "public"}).status_code == 404
    post.refresh_from_db()
    assert post.body == "mine"


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(NEW_URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_fan_without_a_shop_gets_404(fan_client):
    assert fan_client.get(NEW_URL).status_code == 404
    assert fan_client.get(reverse("shops:studio_posts")).status_code == 404


def test_too_many_products_or_a_bad_image_change_nothing(creator_client, creator):
    products = ProductFactory.create_batch(7, shop=creator.shop)
    response = creator_client.post(NEW_URL, _form(products=[p.pk for p in products]))
    assert "at most 6 products" in response.content.decode()
    svg = fake_upload("evil.png", b"<svg onload=alert(1)></svg>")
    response = creator_client.post(NEW_URL, _form(images=[svg]))
    assert "SVG and HTML files are not accepted" in response.content.decode()
    response = creator_client.post(NEW_URL, _form(images=[image_upload() for _ in range(5)]))
    assert "at most 4 images" in response.content.decode()
    assert not Post.objects.exists() and not PostProduct.objects.exists()
