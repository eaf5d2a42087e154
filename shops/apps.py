from functools import partial

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
        from shops.models import Product, ProductStatus

        comment_targets.register(
            Product,
            queryset=lambda: Product.objects.select_related("shop__creator"),
            is_public=lambda product: product.status == ProductStatus.PUBLISHED,
        )

        _fill_creators_pages()


def _fill_creators_pages():
    """What shops shows on creators' pages, whose templates never name shops (core/slots.py)."""
    from core import slots

    slots.register("creator_page.products", "shops/partials/creator_page_shop.html")
    slots.register("post_list.prefetch", "shops/partials/post_list_prefetch.html")
    slots.register("post_card.products", "shops/partials/post_card_products.html")
    slots.register("creator_posts.owner_links", "shops/partials/creator_posts_owner_links.html")
    slots.register("post_page.owner_actions", "shops/partials/post_owner_actions.html")
    slots.register("post_page.share", "shops/partials/post_share.html")
    slots.register("studio.advocacy_note", "shops/partials/studio_advocacy_note.html")
    slots.link_register(
        "start_selling",
        url_name="shops:open",
        title="Open a shop",
        text="Be the first to open a shop",
    )
    # The Studio's sections; creators' Followers is 40 (creators/apps.py), reviews' 70.
    studio = partial(slots.link_register, "studio")
    studio(
        url_name="shops:studio_products",
        title="Your products",
        text="Add, edit, publish and archive what you sell.",
        order=10,
    )
    studio(
        url_name="shops:studio_shipping",
        title="Shipping",
        text="Set what an order of physical goods pays for shipping, and when it ships free.",
        order=20,
    )
    studio(
        url_name="shops:studio_posts",
        title="Posts",
        text="Write, schedule and edit posts; ask your fans a question; feature your products.",
        order=30,
    )
    studio(
        url_name="shops:studio_orders",
        title="Orders",
        text="See what fans bought, mark orders paid, shipped or delivered, export a CSV.",
        order=50,
    )
    studio(
        url_name="shops:studio_advocates",
        title="Advocates",
        text="Fans whose share links brought you visits and purchases, best first.",
        order=60,
    )
