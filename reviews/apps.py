from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews"

    def ready(self):
        from core import pagecache
        from reviews import notification_kinds, services

        notification_kinds.register()
        # Creators feature fans' reviews on their page (creators.featuring).
        services.review_featurable_register()

        # The product page's per-person reviews section (call to action, helpful buttons
        # pressed or not, the owner's Respond links): filled per request.
        pagecache.register_hole("reviews/partials/review_section.html")
