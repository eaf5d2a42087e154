"""Fan side: the product page /@handle/p/slug/ and the shop section of the creator page."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shops.models import Product, ProductStatus
from shops.services import product_create
from tests.factories import ProductFactory, ProductImageFactory, ShopFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_product_page_shows_images_price_stock_tags_and_creator(client, creator):
    product = ProductFactory(
        shop=creator.shop,
        title="Speckled mug",
        price=Decimal("1234.50"),
        compare_at_price=Decimal("1500.00"),
    )
    product.tags.add(TagFactory(name="ceramics", slug="ceramics"))
    images = ProductImageFactory.create_batch(3, product=product)
    images[0].alt_text = "A blue mug on a table"
    images[0].save()

    response = client.get(product.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Speckled mug</h1>" in page
    assert "€1,234.50" in page
    assert "<del" in page and "€1,500.00" in page
    assert "In stock" in page
    assert 'alt="A blue mug on a table"' in page
    assert images[0].urls["page"] in page and images[0].urls["zoom"] + " 2000w" in page
    assert images[2].urls["grid"] in page
    assert "/shop/?tag=ceramics" in page
    assert creator.get_absolute_url() in page
    assert "Follow" in page
    assert "<strong>dishwasher safe</strong>" in page


def test_handle_lookup_is_case_insensitive_and_redirects(client, creator):
    product = ProductFactory(shop=creator.shop)
    response = client.get(f"/@ANA_MAKES/p/{product.slug}/")
    assert response.status_code == 301
    assert response["Location"] == product.get_absolute_url()


def test_markdown_is_sanitised_on_the_page(client, creator):
    product = product_create(
        shop=creator.shop,
        title="Risky",
        description='<script>alert("x")</script>\n\n[click](javascript:alert(1)) **ok**',
        price=Decimal("1"),
        stock=1,
    )
    Product.objects.filter(pk=product.pk).update(
        status=ProductStatus.PUBLISHED, published_at=timezone.now()
    )
    page = client.get(product.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert 'href="javascript:' not in page
    assert "&lt;script&gt;" in page  # shown as text, never as markup
    assert "<strong>ok</strong>" in page


@pytest.mark.parametrize(
    ("stock", "kind", "text"),
    [
        (None, "digital", "In stock"),
        (50, "physical", "In stock"),
        (5, "physical", "Only 5 left"),
        (1, "physical", "Only 1 left"),
        (0, "physical", "Sold out"),
    ],
)
def test_stock_states(client, stock, kind, text):
    product = ProductFactory(stock=stock, kind=kind)
    assert text in client.get(product.get_absolute_url()).content.decode()


@pytest.mark.parametrize("status", [ProductStatus.DRAFT, ProductStatus.ARCHIVED])
def test_unpublished_products_are_404_for_all_but_the_owner(client, fan, creator, status):
    product = ProductFactory(shop=creator.shop, status=status)
    url = product.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(fan)
    assert client.get(url).status_code == 404
    client.force_login(ShopFactory().creator.user)
    assert client.get(url).status_code == 404

    client.force_login(creator.user)
    response = client.get(url)
    assert response.status_code == 200
    assert "only you can see this" in response.content.decode()


def test_product_of_an_inactive_creator_is_404(client, creator):
    product = ProductFactory(shop=creator.shop)
    creator.user.is_active = False
    creator.user.save()
    assert client.get(product.get_absolute_url()).status_code == 404


def test_more_from_this_creator_lists_four_other_published_products(client, creator):
    product = ProductFactory(shop=creator.shop, title="The one")
    others = ProductFactory.create_batch(5, shop=creator.shop)
    ProductFactory(shop=creator.shop, title="Hidden draft", status=ProductStatus.DRAFT)
    ProductFactory(title="Another shop’s mug")

    page = client.get(product.get_absolute_url()).content.decode()
    shown = [p for p in others if p.get_absolute_url() in page]
    assert len(shown) == 4
    assert "Hidden draft" not in page
    assert "Another shop’s mug" not in page


@pytest.mark.parametrize("shop_size", [5, 500])
def test_product_page_query_count_is_constant(
    client, creator, shop_size, django_assert_max_num_queries
):
    product = ProductFactory(shop=creator.shop)
    ProductImageFactory.create_batch(8, product=product)
    product.tags.add(*TagFactory.create_batch(3))
    ProductFactory.create_batch(shop_size, shop=creator.shop)
    # Queries: the product (with shop, creator and user joined), its images, its tags,
    # four more products from the creator, their images. Signed out, so no session or
    # header lookup. The same for 8 images and 5 or 500 products; if you add one, say why.
    # Then the follow button's follower count, the questions (the product's content type,
    # cached per process after the first lookup, and the question count: no questions, so
    # no page query), and the reviews summary (one aggregate; the reviews list reads
    # nothing without reviews, see reviews/templatetags/review_tags.py).
    with django_assert_max_num_queries(9):
        response = client.get(product.get_absolute_url())
    assert response.status_code == 200


def test_product_page_query_count_for_the_signed_in_owner(
    creator_client, creator, django_assert_max_num_queries
):
    product = ProductFactory(shop=creator.shop, status=ProductStatus.DRAFT)
    ProductImageFactory.create_batch(8, product=product)
    # Queries: session, user, then the six above, the header's creator profile and bell.
    with django_assert_max_num_queries(9):
        assert creator_client.get(product.get_absolute_url()).status_code == 200


# Creator page ------------------------------------------------------------------------------


def test_creator_page_lists_published_products_newest_first(client, creator):
    now = timezone.now()
    old = ProductFactory(
        shop=creator.shop, title="Old mug", published_at=now - timezone.timedelta(days=2)
    )
    new = ProductFactory(shop=creator.shop, title="New mug", published_at=now, stock=0)
    ProductImageFactory(product=new)
    ProductFactory(shop=creator.shop, title="Draft mug", status=ProductStatus.DRAFT)
    ProductFactory(shop=creator.shop, title="Archived mug", status=ProductStatus.ARCHIVED)

    page = client.get(creator.get_absolute_url()).content.decode()

    assert page.index("New mug") < page.index("Old mug")
    assert "Draft mug" not in page and "Archived mug" not in page
    assert "Sold out" in page
    assert new.images.get().urls["grid"] in page
    assert old.get_absolute_url() in page
    assert "€24.00" in page


def test_creator_page_paginates_products(client, creator):
    ProductFactory.create_batch(30, shop=creator.shop)
    page2 = client.get(creator.get_absolute_url(), {"page": 2}).content.decode()
    assert "Page 2 of 2" in page2


def test_empty_shop_says_so(client, creator):
    assert "Nothing for sale yet" in client.get(creator.get_absolute_url()).content.decode()
    client.force_login(creator.user)
    page = client.get(creator.get_absolute_url()).content.decode()
    assert "Your shop is ready" in page
    assert reverse("shops:product_create") in page


@pytest.mark.parametrize("count", [5, 500])
def test_creator_page_query_count_is_constant(
    client, creator, count, django_assert_max_num_queries
):
    for product in ProductFactory.create_batch(count, shop=creator.shop)[:30]:
        ProductImageFactory.create_batch(2, product=product)
    # Queries: the creator (with user), the shop's overall rating (one aggregate), the
    # paginator's count, one page of products (with shop and creator), their images; the
    # latest posts (none here: with posts, their images and featured products add three,
    # see tests/creators/test_feed.py), the follower/following counts (one query) and
    # "From our fans" (one query for the featured items; none here — with items, one per
    # kind of content and their authors' badges, see tests/creators/test_featuring.py).
    # Same for 5 or 500; if you add one, say why.
    with django_assert_max_num_queries(8):
        assert client.get(creator.get_absolute_url()).status_code == 200
