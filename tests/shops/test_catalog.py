"""The catalog `/shop/`: only public products; search, filters, sorts, pages, budgets."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from shops.catalog import CatalogFilters, Sort, catalog_products, search_query, search_vector
from shops.models import Product, ProductImage, ProductKind, ProductStatus
from tests.factories import ProductFactory, ShopFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("catalog")


def titles(response) -> list[str]:
    return [product.title for product in response.context["products"]]


def get(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def test_shows_only_published_products_of_active_users(client):
    ProductFactory(title="Published mug")
    ProductFactory(title="Draft mug", status=ProductStatus.DRAFT, published_at=None)
    ProductFactory(title="Archived mug", status=ProductStatus.ARCHIVED)
    hidden = ProductFactory(title="Banned maker's mug")
    hidden.shop.creator.user.is_active = False
    hidden.shop.creator.user.save()

    response = get(client)

    assert titles(response) == ["Published mug"]
    html = response.content.decode()
    assert "Draft mug" not in html and "Archived mug" not in html and "Banned" not in html
    assert "1 product" in html


def test_cards_link_to_the_product_with_cover_price_and_creator(client):
    product = ProductFactory(title="Speckled mug", price=Decimal("24.00"))
    product.images.create(image="products/b.png", variants={"grid": "products/b_grid.webp"},
                          position=1)  # fmt: skip
    product.images.create(image="products/a.png", variants={"grid": "products/a_grid.webp"},
                          position=0, alt_text="A speckled mug")  # fmt: skip

    html = get(client).content.decode()

    assert f'href="{product.get_absolute_url()}"' in html
    assert "a_grid.webp" in html and "b_grid.webp" not in html  # the cover only
    assert 'alt="A speckled mug"' in html
    assert "24.00" in html and product.shop.creator.display_name in html  # show_creator


def test_empty_catalog_and_no_match_have_their_own_messages(client):
    assert "No products yet" in get(client).content.decode()
    ProductFactory(title="Mug")
    assert "No products match “teapot”" in get(client, q="teapot").content.decode()


def test_search_falls_back_to_substring_on_sqlite(client):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL uses full-text search (see the ranking test)")
    ProductFactory(title="Blue Speckled Mug", description="")
    ProductFactory(title="Bowl", description="Pairs well with a MUG.")
    ProductFactory(title="Candle", description="Pine forest.")

    assert sorted(titles(get(client, q="mug"))) == ["Blue Speckled Mug", "Bowl"]


def test_search_finds_title_and_description_matches(client):
    ProductFactory(title="Speckled mug", description="Stoneware.")
    ProductFactory(title="Bowl", description="Goes with the speckled mug.")
    ProductFactory(title="Candle", description="Pine forest.")

    assert sorted(titles(get(client, q="speckled"))) == ["Bowl", "Speckled mug"]


def test_tag_filter(client):
    ceramics, wool = TagFactory(name="ceramics"), TagFactory(name="wool")
    ProductFactory(title="Mug").tags.add(ceramics)
    ProductFactory(title="Hat").tags.add(wool)
    ProductFactory(title="Untagged")

    response = get(client, tag="ceramics")

    assert titles(response) == ["Mug"]
    assert "tagged ceramics" in response.content.decode()


def test_price_range_filter_is_inclusive(client):
    for price in ("5.00", "10.00", "20.00", "40.00"):
        ProductFactory(title=f"at {price}", price=Decimal(price))

    assert sorted(titles(get(client, min_price="10", max_price="20.00"))) == [
        "at 10.00",
        "at 20.00",
    ]
    assert titles(get(client, min_price="30")) == ["at 40.00"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"min_price": "cheap"}, "Enter a price as a number"),
        ({"min_price": "NaN"}, "Enter a price as a number"),
        ({"max_price": "1e999999"}, "Max price"),
        ({"min_price": "-5"}, "Prices cannot be negative"),
        ({"max_price": "12.345"}, "at most two decimal places"),
        ({"min_price": "20", "max_price": "10"}, "at least the min price"),
    ],
)
def test_invalid_prices_are_ignored_with_a_clear_message(client, params, message):
    ProductFactory(title="Mug", price=Decimal("25.00"))

    response = get(client, **params)

    html = response.content.decode()
    assert "could not be used and were ignored" in html
    assert message in html
    assert "Mug" in titles(response)


def test_nonsense_parameters_never_fail(client):
    ProductFactory(title="Mug")
    response = get(client, sort="drop table", tag="../../etc", page="x", in_stock="maybe",
                   q="x" * 5000)  # fmt: skip
    assert response.status_code == 200


def test_in_stock_filter_keeps_unlimited_and_positive_stock(client):
    ProductFactory(title="Ten left", stock=10)
    ProductFactory(title="Unlimited", stock=None, kind=ProductKind.DIGITAL)
    ProductFactory(title="Sold out", stock=0)

    assert sorted(titles(get(client, in_stock="1"))) == ["Ten left", "Unlimited"]
    assert len(titles(get(client))) == 3
    assert "Sold out" in get(client).content.decode()


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["new", "middle", "old"]),
        ("newest", ["new", "middle", "old"]),
        ("price_asc", ["middle", "new", "old"]),
        ("price_desc", ["old", "new", "middle"]),
        ("popular", ["old", "new", "middle"]),
    ],
)
def test_sorts(client, sort, expected):
    now = timezone.now()
    ProductFactory(title="old", price=Decimal("30"), sales_count=50,
                   published_at=now - timedelta(days=9))  # fmt: skip
    ProductFactory(title="middle", price=Decimal("10"), sales_count=0,
                   published_at=now - timedelta(days=5))  # fmt: skip
    ProductFactory(title="new", price=Decimal("20"), sales_count=0, published_at=now)

    assert titles(get(client, sort=sort)) == expected


def test_popular_breaks_ties_by_newest():
    now = timezone.now()
    ProductFactory(title="older", sales_count=3, published_at=now - timedelta(days=2))
    ProductFactory(title="newer", sales_count=3, published_at=now)
    qs = catalog_products(filters=CatalogFilters(sort=Sort.POPULAR))
    assert [p.title for p in qs] == ["newer", "older"]


def test_pages_of_24_keep_the_filters_in_their_links(client):
    shop = ShopFactory()
    now = timezone.now()
    Product.objects.bulk_create(
        Product(shop=shop, title=f"Mug {i}", slug=f"mug-{i}", price=Decimal(i + 1),
                status=ProductStatus.PUBLISHED, published_at=now - timedelta(hours=i))
        for i in range(30)
    )  # fmt: skip

    first = get(client, q="mug", sort="price_asc")
    second = get(client, q="mug", sort="price_asc", page="2")

    assert len(titles(first)) == 24 and len(titles(second)) == 6
    assert titles(first)[0] == "Mug 0" and titles(second)[-1] == "Mug 29"
    html = first.content.decode()
    assert 'href="?q=mug&amp;sort=price_asc&amp;page=2"' in html
    assert "30 products" in html
    assert get(client, page="99").context["page"].number == 2  # past the end: last page


def test_top_tags_are_the_most_used_public_ones(client):
    popular, rare, draft_only = (TagFactory(name=n) for n in ("gift", "ceramics", "secret"))
    for _ in range(3):
        ProductFactory().tags.add(popular)
    ProductFactory().tags.add(rare)
    ProductFactory(status=ProductStatus.DRAFT).tags.add(draft_only)

    response = get(client, q="mug")

    assert [t.name for t in response.context["top_tags"]] == ["gift", "ceramics"]
    html = response.content.decode()
    assert 'href="?q=mug&amp;tag=gift"' in html  # a chip keeps the search
    assert "secret" not in html


def test_the_header_links_to_the_shop(client):
    html = client.get(reverse("home")).content.decode()
    assert f'href="{URL}"' in html


def _stock_the_catalog(count: int) -> None:
    """`count` products over 5 shops, each with two images and two tags."""
    shops = [ShopFactory() for _ in range(5)]
    tags = [TagFactory(name=f"tag {i}") for i in range(4)]
    now = timezone.now()
    products = Product.objects.bulk_create(
        Product(shop=shops[i % 5], title=f"Mug {i}", slug=f"mug-{i}", price=Decimal(i + 1),
                stock=i % 4, status=ProductStatus.PUBLISHED,
                published_at=now - timedelta(minutes=i))
        for i in range(count)
    )  # fmt: skip
    ProductImage.objects.bulk_create(
        ProductImage(product=p, image=f"products/{p.pk}-{n}.png", position=n,
                     variants={"grid": f"products/{p.pk}-{n}_grid.webp"})
        for p in products
        for n in range(2)
    )  # fmt: skip
    Through = Product.tags.through
    Through.objects.bulk_create(
        Through(product_id=p.pk, tag_id=tags[(p.pk + n) % 4].pk) for p in products for n in range(2)
    )


@pytest.mark.parametrize("count", [5, 500])
@pytest.mark.parametrize(
    "params",
    [{}, {"q": "mug", "tag": "tag-1", "min_price": "2", "in_stock": "1", "sort": "popular"}],
)
def test_query_budget_is_constant(client, django_assert_max_num_queries, count, params):
    _stock_the_catalog(count)
    user = UserFactory()
    client.force_login(user)

    # Queries: session, user, the user's creator profile (header), the cart badge
    # (header), the bell's unread count (header), COUNT for the paginator, the page of
    # products (with shop and creator joined), their images (prefetch), the top tags.
    with django_assert_max_num_queries(
        9,
        info="The catalog gained a query: justify it here, or fetch it with the others.",
    ):
        response = client.get(URL, params)
    assert response.status_code == 200
    assert response.context["products"]


@pytest.mark.real_stack
def test_postgres_ranks_title_matches_first_and_stems(client):
    ProductFactory(title="Bowl", description="A bowl to go with your mug.")
    ProductFactory(title="Speckled mug", description="Stoneware, holds 350 ml.")
    ProductFactory(title="Candle", description="Pine forest after rain.")

    # Given a description-only match published later, the title match still comes first.
    assert titles(get(client, q="mug")) == ["Speckled mug", "Bowl"]
    # Stemming: the plural finds the singular; websearch syntax is accepted.
    assert titles(get(client, q="mugs")) == ["Speckled mug", "Bowl"]
    assert titles(get(client, q='"speckled mug" -bowl')) == ["Speckled mug"]
    assert get(client, q='mug OR "unbalanced').status_code == 200


@pytest.mark.real_stack
def test_postgres_search_can_use_the_gin_index():
    ProductFactory(title="Speckled mug")
    qs = Product.objects.annotate(search=search_vector()).filter(search=search_query("mug"))

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny table: make the index win
        plan = qs.explain()

    # The migration's expression matches the catalog's vector, or the index is useless.
    assert "product_search_vector_gin" in plan, plan


def test_best_match_is_offered_and_chosen_only_when_searching(client):
    ProductFactory(title="Mug")

    browsing = get(client, sort="relevance")
    searching = get(client, q="mug")

    assert browsing.context["current_sort"] == Sort.NEWEST
    assert Sort.RELEVANCE not in dict(browsing.context["sort_choices"])
    assert searching.context["current_sort"] == Sort.RELEVANCE
    assert '<option value="relevance" selected>Best match</option>' in searching.content.decode()


def test_filter_form_is_labelled_and_keeps_its_values(client):
    html = get(client, q="mug", min_price="5", max_price="50", in_stock="1").content.decode()

    for label in ("Search products", "Min price", "Max price", "Sort by", "In stock only"):
        assert label in html
    assert 'value="mug"' in html and 'value="5"' in html and 'value="50"' in html
    assert 'name="in_stock" value="1" checked' in html
