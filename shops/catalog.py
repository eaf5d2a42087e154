"""The catalog `/shop/`: published products of every creator, searched, filtered and sorted.

Reads only (selectors for the catalog page) plus the form that parses its query string.
Search is PostgreSQL full-text with ranking when the database is PostgreSQL, and a plain
`icontains` on title and description elsewhere (SQLite, the embedded default); the
choice is made from `connection.vendor` at query time, so one code path serves both.
"""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from shops.models import Product, ProductImage, ProductStatus, Tag

SEARCH_CONFIG = "english"  # stemming: "mugs" finds "mug"
QUERY_MAX_LENGTH = 100
TOP_TAGS = 12


class Sort:
    RELEVANCE = "relevance"
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    POPULAR = "popular"

    CHOICES = [
        (RELEVANCE, "Best match"),
        (NEWEST, "Newest"),
        (PRICE_ASC, "Price: low to high"),
        (PRICE_DESC, "Price: high to low"),
        (POPULAR, "Most popular"),
    ]


# Every order ends in the primary key so that pages never overlap or skip a product.
ORDERINGS = {
    Sort.NEWEST: ("-published_at", "-id"),
    Sort.PRICE_ASC: ("price", "-published_at", "-id"),
    Sort.PRICE_DESC: ("-price", "-published_at", "-id"),
    Sort.POPULAR: ("-sales_count", "-published_at", "-id"),
}


@dataclass(frozen=True)
class CatalogFilters:
    q: str = ""
    tag: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool = False
    sort: str = ""  # empty: best match when searching, newest otherwise

    @property
    def effective_sort(self) -> str:
        if self.sort == Sort.RELEVANCE and not self.q:
            return Sort.NEWEST
        return self.sort or (Sort.RELEVANCE if self.q else Sort.NEWEST)


def _price_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        error_messages={
            "invalid": "Enter a price as a number, like 12 or 12.50.",
            "min_value": "Prices cannot be negative.",
            "max_digits": "That price is too large.",
            "max_whole_digits": "That price is too large.",
            "max_decimal_places": "Use at most two decimal places.",
        },
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )


class CatalogFilterForm(forms.Form):
    """The catalog's GET parameters. A field that does not validate is ignored (and said
    so on the page); it never makes the page fail."""

    q = forms.CharField(label="Search products", required=False, strip=True)
    tag = forms.SlugField(label="Tag", required=False)
    min_price = _price_field("Min price")
    max_price = _price_field("Max price")
    in_stock = forms.BooleanField(label="In stock only", required=False)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=Sort.CHOICES)

    def clean_q(self) -> str:
        return self.cleaned_data["q"][:QUERY_MAX_LENGTH]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and high < low:
            self.add_error("max_price", "The max price must be at least the min price.")
        return cleaned

    def filters(self) -> CatalogFilters:
        """The valid part of the input; call after `is_valid()`."""
        data = getattr(self, "cleaned_data", {})
        return CatalogFilters(
            q=data.get("q") or "",
            tag=data.get("tag") or "",
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            in_stock=bool(data.get("in_stock")),
            sort=data.get("sort") or "",
        )


def products_public() -> QuerySet[Product]:
    """Products a fan may see: published, in the shop of an active user."""
    return Product.objects.filter(
        status=ProductStatus.PUBLISHED, shop__creator__user__is_active=True
    )


def search_vector() -> SearchVector:
    """Title (weight A) and description (B); migration 0003 indexes this exact expression."""
    return SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "description", weight="B", config=SEARCH_CONFIG
    )


def search_query(q: str) -> SearchQuery:
    # websearch syntax ("quoted phrase", -exclude, OR) never raises on unbalanced input.
    return SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)


def _search(qs: QuerySet[Product], q: str) -> QuerySet[Product]:
    if connection.vendor == "postgresql":
        vector, query = search_vector(), search_query(q)
        return (
            qs.annotate(search=vector).filter(search=query).annotate(rank=SearchRank(vector, query))
        )
    # SQLite (and anything else): a simple substring match, no ranking.
    return qs.filter(Q(title__icontains=q) | Q(description__icontains=q))


def catalog_products(*, filters: CatalogFilters) -> QuerySet[Product]:
    """The catalog's products for `filters`, ready for cards (shop, creator, images)."""
    qs = products_public()
    if filters.tag:
        qs = qs.filter(tags__slug=filters.tag)  # slugs are unique: no duplicate rows
    if filters.min_price is not None:
        qs = qs.filter(price__gte=filters.min_price)
    if filters.max_price is not None:
        qs = qs.filter(price__lte=filters.max_price)
    if filters.in_stock:
        qs = qs.filter(Q(stock__isnull=True) | Q(stock__gt=0))
    sort = filters.effective_sort
    if filters.q:
        qs = _search(qs, filters.q)
        if sort == Sort.RELEVANCE:
            if connection.vendor == "postgresql":
                qs = qs.order_by("-rank", "-published_at", "-id")
            else:
                sort = Sort.NEWEST  # no ranking on the fallback
    if sort != Sort.RELEVANCE:
        qs = qs.order_by(*ORDERINGS[sort])
    return qs.select_related("shop__creator").prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))
    )


def catalog_top_tags(*, limit: int = TOP_TAGS) -> list[Tag]:
    """The tags on most public products, most used first (one query)."""
    public = Q(products__status=ProductStatus.PUBLISHED) & Q(
        products__shop__creator__user__is_active=True
    )
    return list(
        Tag.objects.annotate(product_count=Count("products", filter=public))
        .filter(product_count__gt=0)
        .order_by("-product_count", "name")[:limit]
    )
