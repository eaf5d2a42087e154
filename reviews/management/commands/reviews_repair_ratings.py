"""`manage.py reviews_repair_ratings`: recompute products' stored rating totals."""

from django.core.management.base import BaseCommand

from reviews.ratings import ratings_repair


class Command(BaseCommand):
    help = (
        "Recompute every product's rating count and sum from its visible reviews "
        "(safe to run at any time; fixes totals that drifted)."
    )

    def handle(self, *args, **options):
        wrong = ratings_repair()
        self.stdout.write(self.style.SUCCESS(f"Ratings repaired: {wrong} product(s) corrected."))
