"""Recompute the rating totals stored on products from the reviews table.

The services keep `Product.rating_count/rating_sum` right with F() updates; this is the
repair for anything that bypassed them (rows deleted by a cascade, a manual SQL fix).
"""

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core import pagecache
from reviews.models import Review
from shops.models import Product


def ratings_repair() -> int:
    """Set the totals of every product whose stored ones differ from its visible reviews
    (set-based: one query finds them, one UPDATE per thousand fixes them); return how
    many were wrong."""
    visible = Review.objects.filter(product=OuterRef("pk"), is_hidden=False).values("product")
    count = Subquery(visible.annotate(n=Count("id")).values("n"), output_field=IntegerField())
    total = Subquery(visible.annotate(s=Sum("rating")).values("s"), output_field=IntegerField())
    true_count = Coalesce(count, Value(0))
    true_sum = Coalesce(total, Value(0))
    with transaction.atomic():
        wrong = list(
            Product.objects.annotate(true_count=true_count, true_sum=true_sum)
            .filter(~Q(rating_count=true_count) | ~Q(rating_sum=true_sum))
            .values_list("pk", flat=True)
        )
        for start in range(0, len(wrong), 1000):
            Product.objects.filter(pk__in=wrong[start : start + 1000]).update(
                rating_count=true_count, rating_sum=true_sum
            )
        if wrong:
            pagecache.touch(pagecache.SITE)  # ratings show on every list of products
    return len(wrong)
