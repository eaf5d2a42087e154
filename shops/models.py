"""Commerce. The shop comes into being when a creator opens it; products arrive next."""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone

from creators.models import (
    CreatorProfile,
    OrderedImage,
    Post,
    ReportReason,
    ReportStatus,
    TimeStampedModel,
)
from shops.storage import PrivateFileStorage


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
    shipping_rate = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text="Flat shipping per order with physical goods, in the shop's currency.",
    )
    free_shipping_from = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Orders whose subtotal reaches this ship free; empty means never free.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shipping_rate__gte=0), name="shop_shipping_rate_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(free_shipping_from__isnull=True)
                | models.Q(free_shipping_from__gte=0),
                name="shop_free_shipping_from_not_negative",
            ),
        ]

    def __str__(self):
        return self.name


class Tag(models.Model):
    """A free-form product tag ("ceramics", "gift"), shared across shops for the catalog."""

    name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProductStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class ProductKind(models.TextChoices):
    PHYSICAL = "physical", "Physical"
    DIGITAL = "digital", "Digital download"


class Product(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products")
    title = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=140,
        help_text="Part of the product's URL; stays the same when the title changes.",
    )
    description = models.TextField(
        max_length=20_000, blank=True, help_text="Markdown; rendered and sanitised."
    )
    description_html = models.TextField(blank=True, editable=False)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    compare_at_price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The former price, shown struck through. Must be above the price.",
    )
    kind = models.CharField(
        max_length=16, choices=ProductKind.choices, default=ProductKind.PHYSICAL
    )
    stock = models.PositiveIntegerField(
        null=True, blank=True, help_text="Units available; empty means unlimited."
    )
    sku = models.CharField("SKU", max_length=64, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="products")
    status = models.CharField(
        max_length=16, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    digital_file = models.FileField(
        upload_to="downloads/", storage=PrivateFileStorage(), blank=True, max_length=255
    )
    sales_count = models.PositiveIntegerField(
        default=0, help_text="Units sold (paid orders); the catalog's popularity sort."
    )
    # Fans' questions (creators.Comment with this product as target): deleted with it.
    questions = GenericRelation(
        "creators.Comment", content_type_field="target_type", object_id_field="target_id"
    )
    # Visible reviews, kept by reviews.services with F() updates in the review's own
    # transaction (`manage.py reviews_repair_ratings` recomputes them), so list pages show
    # ratings without a query per product.
    rating_count = models.PositiveIntegerField(default=0, editable=False)
    rating_sum = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "slug"], name="product_slug_unique_per_shop"),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="product_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(compare_at_price__isnull=True)
                | models.Q(compare_at_price__gt=models.F("price")),
                name="product_compare_at_above_price",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="product_status_published_idx"),
            models.Index(
                fields=["shop", "status", "-published_at"], name="product_shop_status_idx"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse(
            "shops:product", kwargs={"handle": self.shop.creator.handle, "slug": self.slug}
        )

    @property
    def is_published(self) -> bool:
        return self.status == ProductStatus.PUBLISHED

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0

    @property
    def rating_average(self) -> float | None:
        """Mean of the visible reviews' stars, to one decimal; None without reviews."""
        if not self.rating_count:
            return None
        return round(self.rating_sum / self.rating_count, 1)


class ProductImage(OrderedImage):
    """One of a product's ordered images; the first (lowest position) is the cover."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/")

    def __str__(self):
        return f"{self.product_id}#{self.position}"


POST_MAX_PRODUCTS = 6


class PostProduct(models.Model):
    """A product featured under a post (a shoppable post). Lives in shops so that creators
    never imports shops; written only by `shops.post_products.post_products_set`, which
    accepts products of the post author's own shop only."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="product_links")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="post_links")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "product"], name="post_product_unique"),
        ]

    def __str__(self):
        return f"post {self.post_id} → product {self.product_id}"


class Cart(TimeStampedModel):
    """A fan's cart. Signed-in fans have one; a visitor's is found through the session
    and merged into the fan's own when they sign in."""

    user = models.OneToOneField(
        "creators.User", null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        return f"cart #{self.pk}"


class CartLine(models.Model):
    """A product and how many. No price: prices are always read from the product."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="cart_line_unique_product"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="cart_line_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product_id}"


class OrderStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
    PAID = "paid", "Paid"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


class Checkout(TimeStampedModel):
    """One payment step of a fan, covering the orders it created (one per shop).

    `idempotency_key` comes from the checkout form, so a double submit finds the first
    checkout instead of placing the orders twice.
    """

    buyer = models.ForeignKey(
        "creators.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="checkouts"
    )
    idempotency_key = models.UUIDField(unique=True)
    email = models.EmailField()
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    payment_provider = models.CharField(max_length=32)
    payment_reference = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"checkout {self.idempotency_key}"


class Order(TimeStampedModel):
    """What one shop sells to one fan in one checkout. The creator sees only their own."""

    number = models.CharField(max_length=20, unique=True)
    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="orders")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(
        "creators.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    email = models.EmailField()
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.AWAITING_PAYMENT
    )
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_cost = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=0,
        help_text="Shipping as the shop charged it at checkout; later rate changes never alter it.",
    )
    total = models.DecimalField(max_digits=12, decimal_places=2)
    # Shipping address: empty for orders of digital goods only.
    ship_name = models.CharField(max_length=120, blank=True)
    ship_line1 = models.CharField(max_length=200, blank=True)
    ship_line2 = models.CharField(max_length=200, blank=True)
    ship_city = models.CharField(max_length=100, blank=True)
    ship_postal_code = models.CharField(max_length=20, blank=True)
    ship_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    tracking_number = models.CharField(max_length=100, blank=True)
    tracking_url = models.URLField(blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    stock_returned = models.BooleanField(
        default=False, help_text="Set when a cancellation put the units back (only ever once)."
    )
    cancelled_by_buyer = models.BooleanField(
        default=False, help_text="The fan cancelled it themselves, before paying."
    )
    # The fan's share link credited with this order (shops/referrals.py): set at checkout
    # when the buyer came through it within REFERRAL_WINDOW_DAYS; never the buyer's own.
    referral = models.ForeignKey(
        "ShareLink",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        help_text="The share link credited with this order (a fan's referral).",
    )
    # "I bought this": the buyer's choice, per order and off by default, to show it on
    # their public profile, to their followers and by name on the product page.
    show_on_profile = models.BooleanField(
        "show on my public profile",
        default=False,
        help_text="The buyer shows this purchase on their public profile and to their followers.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__gte=0), name="order_total_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(subtotal__gte=0), name="order_subtotal_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(shipping_cost__gte=0), name="order_shipping_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "status", "-created_at"], name="order_shop_status_idx"),
            models.Index(fields=["shop", "-created_at"], name="order_shop_created_idx"),
            models.Index(fields=["buyer", "-created_at"], name="order_buyer_created_idx"),
            # What public fans share: one fan's (or the followed fans') shown purchases.
            models.Index(
                fields=["buyer", "-paid_at"],
                condition=models.Q(show_on_profile=True),
                name="order_shown_idx",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def needs_shipping(self) -> bool:
        return bool(self.ship_line1)


class OrderItem(models.Model):
    """A line of an order, with the title and price as they were when it was bought."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="order_items"
    )
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=ProductKind.choices)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="order_item_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.title}"

    @property
    def line_total(self):
        return self.unit_price * self.quantity


# --- Tastemaker lists (shops/lists.py) -------------------------------------------------

LIST_MIN_PUBLIC_ITEMS = 3  # fewer visible items: only the author sees the list
LIST_MAX_ITEMS = 50
LIST_TITLE_MAX_LENGTH = 100
LIST_DESCRIPTION_MAX_LENGTH = 1000
LIST_NOTE_MAX_LENGTH = 280


class TastemakerList(TimeStampedModel):
    """A fan's public list of products from any creators, each with a note on why.

    Public once it holds `LIST_MIN_PUBLIC_ITEMS` visible items (published products of
    active creators) and staff have not hidden it; until then only its author sees it.
    """

    author = models.ForeignKey(
        "creators.User", on_delete=models.CASCADE, related_name="tastemaker_lists"
    )
    title = models.CharField(max_length=LIST_TITLE_MAX_LENGTH)
    description = models.TextField(max_length=LIST_DESCRIPTION_MAX_LENGTH, blank=True)
    follower_count = models.PositiveIntegerField(default=0, editable=False)
    is_featured = models.BooleanField(
        default=False, help_text="Shown on the home page (set by staff)."
    )
    is_hidden = models.BooleanField(
        default=False, help_text="Hidden by staff (after a report): only its author sees it."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["author", "-created_at"], name="list_author_created_idx"),
            models.Index(
                fields=["-updated_at"],
                condition=models.Q(is_featured=True),
                name="list_featured_idx",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("shops:list_detail", kwargs={"list_id": self.pk})

    @property
    def author_name(self) -> str:
        """How the author is shown in public: the name they chose, never their email."""
        return self.author.name or "A fan"

    @property
    def author_profile_url(self) -> str:
        """The author's public fan profile, where people can follow them; "" while it is
        private (read with `author__fan_profile` joined)."""
        return public_profile_url(self.author)


def public_profile_url(user) -> str:
    profile = getattr(user, "fan_profile", None)  # None: no profile settings yet
    return profile.get_absolute_url() if profile is not None and profile.is_public else ""


class TastemakerListItem(models.Model):
    taste_list = models.ForeignKey(TastemakerList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=LIST_NOTE_MAX_LENGTH, blank=True)
    position = models.PositiveIntegerField(default=0)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["taste_list", "product"], name="list_item_unique"),
        ]

    def __str__(self):
        return f"{self.taste_list_id}: {self.product_id}"


class TastemakerListFollow(models.Model):
    taste_list = models.ForeignKey(TastemakerList, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey("creators.User", on_delete=models.CASCADE, related_name="list_follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["taste_list", "user"], name="list_follow_unique"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="list_follow_user_idx")]

    def __str__(self):
        return f"{self.user_id} follows list {self.taste_list_id}"


class TastemakerListReport(models.Model):
    """Someone signed in flags a list for staff; once per reporter and list."""

    taste_list = models.ForeignKey(TastemakerList, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey("creators.User", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=ReportReason.choices)
    details = models.TextField(max_length=1000, blank=True)
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "creators.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["taste_list", "reporter"], name="list_report_once"),
        ]

    def __str__(self):
        return f"report of list {self.taste_list_id} ({self.get_status_display()})"


# --- Share links (shops/referrals.py) ---------------------------------------------------

# What a link can point at: the kind's name (in URLs, forms, payloads) → the field.
SHARE_TARGETS = {"product": "product", "post": "post", "list": "taste_list"}


def _exactly_one(fields) -> models.Q:
    condition = models.Q()
    for field in fields:
        condition |= models.Q(
            **{f"{field}__isnull": False},
            **{f"{other}__isnull": True for other in fields if other != field},
        )
    return condition


class ShareLink(models.Model):
    """A fan's personal short link (`/r/<code>`) to one product, post or tastemaker list:
    one per sharer and target, so the visits and purchases it brings add up in one place.

    `creator` is the shared product's or post's creator, copied when the link is made:
    visits are recorded as that creator's `share_visit` events, and only orders from that
    creator's shop are credited to the link. A list has no one creator (empty): its link
    is credited with orders from any creator with a visible product on the list. `visits`
    and `purchases` are kept with F() updates in the same transaction as the events they
    mirror.
    """

    code = models.CharField(max_length=16, unique=True)
    sharer = models.ForeignKey(
        "creators.User", on_delete=models.CASCADE, related_name="share_links"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    taste_list = models.ForeignKey(
        TastemakerList,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="share_links",
    )
    creator = models.ForeignKey(
        CreatorProfile, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    visits = models.PositiveIntegerField(default=0)
    purchases = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_visit_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one(list(SHARE_TARGETS.values())),
                name="share_link_one_target",
            ),
            *(
                models.UniqueConstraint(
                    fields=["sharer", field],
                    condition=models.Q(**{f"{field}__isnull": False}),
                    name=f"share_link_{field}_unique",
                )
                for field in SHARE_TARGETS.values()
            ),
        ]
        indexes = [models.Index(fields=["sharer", "-created_at"], name="share_link_sharer_idx")]

    def __str__(self):
        return f"/r/{self.code}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("shops:share_redirect", kwargs={"code": self.code})

    @property
    def target_kind(self) -> str:
        """ "product", "post" or "list"."""
        return next(kind for kind, field in SHARE_TARGETS.items() if getattr(self, f"{field}_id"))

    @property
    def target(self):
        return getattr(self, SHARE_TARGETS[self.target_kind])


class SavedItem(models.Model):
    """A product a fan saved (the heart): a private list, seen by nobody else.

    `price_when_saved` lets the Saved page say "down from €24 when you saved it"."""

    user = models.ForeignKey("creators.User", on_delete=models.CASCADE, related_name="saved_items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="saved_by")
    price_when_saved = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="saved_item_unique"),
        ]
        indexes = [
            # The Saved page: one fan's items, newest first.
            models.Index(fields=["user", "-created_at"], name="saved_item_user_idx"),
            # Alerts fan out over one product's savers in user-id order (keyset chunks).
            models.Index(fields=["product", "user"], name="saved_item_fanout_idx"),
        ]

    def __str__(self):
        return f"{self.user_id} saved {self.product_id}"


class SavedAlert(models.Model):
    """One alert told to one fan about one saved product on one day.

    The unique (user, product, day) is what keeps it to one a day: a fan-out chunk inserts
    these rows (ON CONFLICT DO NOTHING) before any notification, and notifies only the rows
    that carry its own event — a second price drop the same day finds them taken.
    """

    user = models.ForeignKey("creators.User", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    event = models.ForeignKey(
        "creators.EngagementEvent", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "product", "day"], name="saved_alert_once_a_day"
            ),
        ]
        indexes = [models.Index(fields=["event", "user"], name="saved_alert_event_idx")]

    def __str__(self):
        return f"alert {self.product_id} → {self.user_id} on {self.day}"
