"""Reads that shop pages need. `*_get_for_owner` are the owner-checked accessors."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum, prefetch_related_objects
from django.db.models.functions import Lower
from django.http import Http404

from core.http import form_id
from creators.handles import handle_key
from creators.models import User
from shops.models import PostProduct, Product, ProductImage, ProductStatus, Shop


def images_in_order() -> Prefetch:
    """Prefetch a product's images cover first: `product.images.all.0` is the cover."""
    return Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))


def shop_get_for_owner(*, user: User) -> Shop:
    """The signed-in creator's own shop; anyone without one gets a 404."""
    if not user.is_authenticated:
        raise Http404("No shop.")
    shop = Shop.objects.select_related("creator").filter(creator__user=user).first()
    if shop is None:
        raise Http404("No shop.")
    return shop


def product_get_for_owner(*, user: User, slug: str) -> Product:
    """The product `slug` of the user's own shop, only for its owner: anyone else gets 404.

    Every owner-only product view goes through here, so an IDOR cannot slip in through a
    forgotten check.
    """
    if not user.is_authenticated:
        raise Http404("No product.")
    product = (
        Product.objects.select_related("shop__creator")
        .prefetch_related(images_in_order(), "tags")
        .filter(shop__creator__user=user, slug=slug)
        .first()
    )
    if product is None:
        raise Http404("No product.")
    return product


def product_list_for_shop(*, shop: Shop, status: str | None = None) -> QuerySet[Product]:
    """All of a shop's products (any status) for its owner, newest first, covers prefetched."""
    qs = (
        Product.objects.filter(shop=shop)
        .select_related("shop__creator")
        .prefetch_related(images_in_order())
        .order_by("-created_at", "-id")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def product_status_counts(*, shop: Shop) -> dict[str, int]:
    """How many products the shop has in each status, plus "all", in one query."""
    counts = Product.objects.filter(shop=shop).aggregate(
        all=Count("id"),
        **{status: Count("id", filter=Q(status=status)) for status in ProductStatus.values},
    )
    return counts


def products_published(*, shop: Shop | None = None) -> QuerySet[Product]:
    """Published products fans may see, newest first, with shop, creator and covers."""
    qs = (
        Product.objects.filter(status=ProductStatus.PUBLISHED, shop__creator__user__is_active=True)
        .select_related("shop__creator")
        .prefetch_related(images_in_order())
        .order_by("-published_at", "-id")
    )
    if shop is not None:
        qs = qs.filter(shop=shop)
    return qs


def products_published_for_creator(*, creator_id: int) -> QuerySet[Product]:
    return products_published().filter(shop__creator_id=creator_id)


def product_get_public(*, handle: str, slug: str, user: User) -> Product:
    """A product page: published for everyone; drafts and archived only for the owner.

    The handle compares case-insensitively (the LOWER(handle) index serves it).
    """
    product = (
        Product.objects.alias(handle_lower=Lower("shop__creator__handle"))
        .filter(handle_lower=handle_key(handle), slug=slug)
        .select_related("shop__creator__user")
        .prefetch_related(images_in_order(), "tags")
        .first()
    )
    if product is None or not product.shop.creator.user.is_active:
        raise Http404("No product.")
    is_owner = user.is_authenticated and user.pk == product.shop.creator.user_id
    if product.status != ProductStatus.PUBLISHED and not is_owner:
        raise Http404("No product.")
    return product


def product_visible_get(*, product_id, viewer: User) -> Product | None:
    """The product behind an id from a form, by the product page's rules: published
    products of active creators for everyone, any status for the owner; None otherwise
    (unknown or malformed ids too), so a caller cannot name a draft to someone else."""
    pk = form_id(product_id)
    if pk is None:
        return None
    product = (
        Product.objects.select_related("shop__creator__user")
        .filter(pk=pk, shop__creator__user__is_active=True)
        .first()
    )
    if product is None:
        return None
    is_owner = viewer.is_authenticated and viewer.pk == product.shop.creator.user_id
    if product.status != ProductStatus.PUBLISHED and not is_owner:
        return None
    return product


def products_more_from_creator(*, product: Product, limit: int = 4) -> list[Product]:
    return list(products_published(shop=product.shop).exclude(pk=product.pk)[:limit])


def _post_links_prefetch() -> Prefetch:
    return Prefetch(
        "product_links",
        queryset=PostProduct.objects.filter(product__status=ProductStatus.PUBLISHED)
        .select_related("product__shop__creator")
        .prefetch_related(
            Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id"))
        )
        .order_by("position", "id"),
    )


def post_products_prefetch(posts: list) -> None:
    """Attach each post's published tagged products (with shop and images) in 3 queries."""
    prefetch_related_objects(posts, _post_links_prefetch())


def post_products_of(post) -> list[Product]:
    """A post's published tagged products, from the prefetch if `post_products_prefetch`
    ran, else loaded now (3 queries: links with products and shops, their images)."""
    cache = getattr(post, "_prefetched_objects_cache", {})
    if "product_links" not in cache:
        post_products_prefetch([post])
    return [link.product for link in post.product_links.all()]


@dataclass(frozen=True)
class ShopRating:
    count: int
    average: float | None


def shop_rating(*, creator_id: int) -> ShopRating:
    """The shop's overall rating: every visible review of its published products, from the
    totals stored on each product (one aggregate query)."""
    totals = products_published_for_creator(creator_id=creator_id).aggregate(
        count=Sum("rating_count"), total=Sum("rating_sum")
    )
    count = totals["count"] or 0
    return ShopRating(count=count, average=round(totals["total"] / count, 1) if count else None)
