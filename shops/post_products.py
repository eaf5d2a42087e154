"""Shoppable posts: a post features products from its author's own shop.

The post belongs to creators, the link table (`PostProduct`) to shops, so the Studio's
post use cases live here: they validate the tagged products, then call the creators post
service and write the links in one transaction — as `shop_open` wraps the creator
profile. Only the author's own published products can be tagged.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from creators import posts
from creators.models import Post, User
from shops.models import POST_MAX_PRODUCTS, PostProduct, Product, ProductStatus


def products_for_tagging(*, author: User, product_ids: list[int]) -> list[Product]:
    """The products behind `product_ids`, in that order, if `author` may feature them."""
    ids = list(dict.fromkeys(int(pk) for pk in product_ids))
    if len(ids) > POST_MAX_PRODUCTS:
        raise ValidationError(
            {"products": f"A post can feature at most {POST_MAX_PRODUCTS} products."}
        )
    found = Product.objects.select_related("shop__creator").in_bulk(ids)
    errors = []
    for pk in ids:
        product = found.get(pk)
        if product is None:
            errors.append("One of the chosen products no longer exists.")
        elif product.shop.creator.user_id != author.pk:
            errors.append(
                f"“{product.title}” is not from your shop: a post can feature only your "
                "own products."
            )
        elif product.status != ProductStatus.PUBLISHED:
            errors.append(f"“{product.title}” isn’t published: publish it before featuring it.")
    if errors:
        raise ValidationError({"products": errors})
    return [found[pk] for pk in ids]


def _links_replace(*, post: Post, products: list[Product]) -> None:
    PostProduct.objects.filter(post=post).delete()
    PostProduct.objects.bulk_create(
        PostProduct(post=post, product=product, position=index)
        for index, product in enumerate(products)
    )


def shoppable_post_create(*, author: User, product_ids: list[int], **fields) -> Post:
    products = products_for_tagging(author=author, product_ids=product_ids)
    with transaction.atomic():
        post = posts.post_create(author=author, **fields)
        _links_replace(post=post, products=products)
    return post


def shoppable_post_update(*, post: Post, product_ids: list[int], **fields) -> Post:
    products = products_for_tagging(author=post.creator, product_ids=product_ids)
    with transaction.atomic():
        post = posts.post_update(post=post, **fields)
        _links_replace(post=post, products=products)
    return post


def post_product_ids(*, post: Post) -> list[int]:
    return list(post.product_links.order_by("position", "id").values_list("product_id", flat=True))
