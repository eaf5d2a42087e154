"""Commerce. The shop comes into being when a creator opens it; products arrive next."""

from django.conf import settings
from django.db import models

from creators.models import CreatorProfile, TimeStampedModel


def default_currency() -> str:
    return settings.SHOP_DEFAULT_CURRENCY


class Shop(TimeStampedModel):
    creator = models.OneToOneField(CreatorProfile, on_delete=models.CASCADE, related_name="shop")
    name = models.CharField(max_length=80)
    currency = models.CharField(
        max_length=3,
        default=default_currency,
        help_text="ISO 4217 code; every price in this shop is in it.",
    )
    is_open = models.BooleanField(default=True, help_text="Closed shops take no orders.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name
