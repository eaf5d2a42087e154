from django.apps import AppConfig


def _merge_visitor_cart(sender, request, user, **kwargs):
    """What a visitor put in the cart before signing in is still there afterwards."""
    from shops.cart import SESSION_KEY, cart_merge_into_user

    session = getattr(request, "session", None)
    if session is None:
        return
    cart_merge_into_user(user=user, cart_id=session.pop(SESSION_KEY, None))


class ShopsConfig(AppConfig):
    name = "shops"
    verbose_name = "Shops and commerce"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from core import pagecache
        from shops import lists, notification_kinds, page_cache, social_proof

        user_logged_in.connect(_merge_visitor_cart, dispatch_uid="shops.merge_visitor_cart")
        page_cache.connect()
        notification_kinds.register()
        pagecache.register_hole("shops/partials/product_questions_hole.html")
        # "I bought this": names public fans on product pages, feeds their followers.
        social_proof.register()
        lists.register()  # and the public lists they made
        # Per viewer on cached pages: "N people you follow bought this", the product
        # page's heart, and which hearts of a product grid are already pressed.
        pagecache.register_hole("shops/partials/bought_following_hole.html")
        pagecache.register_hole("shops/partials/save_button_hole.html")
        pagecache.register_hole("shops/partials/saved_state_hole.html")

        # Fans ask questions on products: creators' comments point at them generically.
        from creators import comment_targets
        from shops.models import Product

        comment_targets.register(
            Product, queryset=lambda: Product.objects.select_related("shop__creator")
        )
