from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews"

    def ready(self):
        from core import pagecache, slots
        from reviews import notification_kinds, services

        notification_kinds.register()
        # Creators feature fans' reviews on their page (creators.featuring).
        services.review_featurable_register()

        # The product page's per-person reviews section (call to action, helpful buttons
        # pressed or not, the owner's Respond links): filled per request.
        pagecache.register_hole("reviews/partials/review_section.html")

        # What reviews shows on shops' and creators' pages, whose templates never name
        # reviews (core/slots.py): the product page's reviews, a buyer's "Review this"
        # links on their order, and the Studio's Reviews section.
        slots.register("product_page.reviews", "reviews/partials/product_reviews.html")
        slots.register("order_item.buyer_actions", "reviews/partials/order_item_review_link.html")
        slots.link_register(
            "studio",
            url_name="reviews:studio",
            title="Reviews",
            text="Read what buyers say and respond in public.",
            order=70,
        )
