"""Which cached public pages a shop write makes stale (see core/pagecache.py).

Model signals cover every save and delete — services and admin alike; writes that bypass
signals (guarded stock updates, sales counters) call `products_touched` themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from core import pagecache
from creators.page_cache import creator_scope
from shops.models import Product, ProductImage, Shop, Tag, TastemakerList


def _creator_scopes(handles) -> list[str]:
    return [pagecache.CATALOG, *(creator_scope(h) for h in handles if h)]


def products_touched(product_ids) -> None:
    """The catalog and the creator pages of these products change at commit."""
    handles = (
        Product.objects.filter(pk__in=list(product_ids))
        .values_list("shop__creator__handle", flat=True)
        .distinct()
    )
    pagecache.touch(*_creator_scopes(handles))


def _shop_changed(sender, instance: Shop, **kwargs):
    pagecache.touch(*_creator_scopes([instance.creator.handle]))


def _product_changed(sender, instance: Product, **kwargs):
    pagecache.touch(*_creator_scopes([instance.shop.creator.handle]))


def _image_changed(sender, instance: ProductImage, **kwargs):
    products_touched([instance.product_id])


def _product_tags_changed(sender, instance, action, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if isinstance(instance, Product):
        _product_changed(Product, instance)
    else:  # changed from the tag's side: every product it was added to or removed from
        products_touched(pk_set or instance.products.values_list("pk", flat=True))


def _tag_changed(sender, instance: Tag, **kwargs):
    pagecache.touch(pagecache.SITE)  # tag names show on every page that lists products


def _list_author_changed(sender, instance, update_fields=None, **kwargs):
    """The home page shows featured lists with their author's name."""
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return
    if TastemakerList.objects.filter(author=instance, is_featured=True).exists():
        pagecache.touch(pagecache.CATALOG)


def connect() -> None:
    from django.contrib.auth import get_user_model

    post_save.connect(
        _list_author_changed, sender=get_user_model(), dispatch_uid="shops.page_cache.list_author"
    )
    for model, handler in (
        (Shop, _shop_changed),
        (Product, _product_changed),
        (ProductImage, _image_changed),
        (Tag, _tag_changed),
    ):
        uid = f"shops.page_cache.{model.__name__}"
        post_save.connect(handler, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(handler, sender=model, dispatch_uid=uid + ".delete")
    m2m_changed.connect(
        _product_tags_changed, sender=Product.tags.through, dispatch_uid="shops.page_cache.tags"
    )
