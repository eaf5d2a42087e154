"""factory_boy factories shared by every test folder."""

from decimal import Decimal

import factory
from django.conf import settings
from django.utils import timezone

from creators.models import CreatorProfile, Follow, User
from shops.models import Product, ProductKind, ProductStatus, Shop, Tag

PASSWORD = "correct-horse-battery-staple"
# The checkout form as a fan fills it in: a shipping address, and the `test` provider's
# card that approves.
ADDRESS_FORM = {
    "ship_name": "Fan Person",
    "ship_line1": "1 Clay Street",
    "ship_city": "Lisbon",
    "ship_postal_code": "1100-001",
    "ship_country": "PT",
}
CARD_FORM = {
    "payment_method": "test",
    "card_number": "4242 4242 4242 4242",
    "card_expiry": "12/99",
    "card_cvc": "123",
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"fan{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Give the user a verified primary address, as allauth requires to log in."""
        if not create:
            return
        self.save()
        if extracted is False:
            return
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=self, email=self.email, defaults={"verified": True, "primary": True}
        )


class FanProfileFactory(factory.django.DjangoModelFactory):
    """A fan's profile, public unless told otherwise (the default in the app is private)."""

    class Meta:
        model = "creators.FanProfile"

    user = factory.SubFactory(UserFactory)
    public_id = factory.Sequence(lambda n: f"fan{n:07d}")
    is_public = True
    made_public_at = factory.LazyFunction(timezone.now)


class FanFollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "creators.FanFollow"

    follower = factory.SubFactory(UserFactory)
    followed = factory.SubFactory(UserFactory)


class CreatorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreatorProfile

    user = factory.SubFactory(UserFactory)
    handle = factory.Sequence(lambda n: f"creator_{n}")
    display_name = factory.Faker("company")
    bio = factory.Faker("sentence")


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    creator = factory.SubFactory(CreatorProfileFactory)
    name = factory.SelfAttribute("creator.display_name")
    currency = settings.SHOP_DEFAULT_CURRENCY


class FollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Follow

    follower = factory.SubFactory(UserFactory)
    followed = factory.SubFactory(UserFactory)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"tag {n}")
    slug = factory.LazyAttribute(lambda tag: tag.name.replace(" ", "-"))


class ProductFactory(factory.django.DjangoModelFactory):
    """A published physical product with 10 in stock, unless told otherwise."""

    class Meta:
        model = Product

    shop = factory.SubFactory(ShopFactory)
    title = factory.Sequence(lambda n: f"Speckled mug {n}")
    slug = factory.Sequence(lambda n: f"speckled-mug-{n}")
    description = "Hand-thrown, **dishwasher safe**."
    description_html = "<p>Hand-thrown, <strong>dishwasher safe</strong>.</p>"
    price = Decimal("24.00")
    kind = ProductKind.PHYSICAL
    stock = 10
    status = ProductStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class ProductImageFactory(factory.django.DjangoModelFactory):
    """An image row whose files are not on disk (enough for pages and query counts)."""

    class Meta:
        model = "shops.ProductImage"

    product = factory.SubFactory(ProductFactory)
    image = factory.Sequence(lambda n: f"products/test{n}.png")
    variants = factory.LazyAttribute(
        lambda row: {
            key: row.image.replace(".png", f"_{key}.webp") for key in ("grid", "page", "zoom")
        }
    )
    position = factory.Sequence(lambda n: n)


class CheckoutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "shops.Checkout"

    buyer = factory.SubFactory(UserFactory)
    idempotency_key = factory.Faker("uuid4")
    email = factory.SelfAttribute("buyer.email")
    currency = settings.SHOP_DEFAULT_CURRENCY
    total = Decimal("0.00")
    payment_provider = "manual"


class OrderFactory(factory.django.DjangoModelFactory):
    """An order awaiting payment with a shipping address (physical goods), no items.

    Add lines with OrderItemFactory(order=…); `subtotal`/`total` are given, not computed.
    """

    class Meta:
        model = "shops.Order"

    checkout = factory.SubFactory(CheckoutFactory)
    buyer = factory.SelfAttribute("checkout.buyer")
    email = factory.SelfAttribute("checkout.email")
    shop = factory.SubFactory(ShopFactory)
    number = factory.Sequence(lambda n: f"RC-{100000 + n}")
    currency = factory.SelfAttribute("shop.currency")
    subtotal = Decimal("48.00")
    shipping_cost = Decimal("5.00")
    total = Decimal("53.00")
    ship_name = "Fan Person"
    ship_line1 = "1 Clay Street"
    ship_city = "Lisbon"
    ship_postal_code = "1100-001"
    ship_country = "PT"

    class Params:
        digital = factory.Trait(
            ship_name="",
            ship_line1="",
            ship_city="",
            ship_postal_code="",
            ship_country="",
            shipping_cost=Decimal("0.00"),
            total=Decimal("48.00"),
        )


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "shops.OrderItem"

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory, shop=factory.SelfAttribute("..order.shop"))
    title = factory.LazyAttribute(lambda item: item.product.title if item.product else "Gone")
    kind = factory.LazyAttribute(lambda item: item.product.kind if item.product else "physical")
    unit_price = factory.LazyAttribute(
        lambda item: item.product.price if item.product else Decimal("24.00")
    )
    quantity = 2


class PostFactory(factory.django.DjangoModelFactory):
    """A published public post by a creator (a user with a creator profile)."""

    class Meta:
        model = "creators.Post"

    creator = factory.LazyFunction(lambda: CreatorProfileFactory().user)
    body = factory.Sequence(lambda n: f"Fresh from the kiln, batch {n}.")
    body_html = factory.LazyAttribute(lambda post: f"<p>{post.body}</p>")
    status = "published"
    visibility = "public"
    published_at = factory.LazyFunction(timezone.now)


class PostImageFactory(factory.django.DjangoModelFactory):
    """An image row whose files are not on disk (enough for pages and query counts)."""

    class Meta:
        model = "creators.PostImage"

    post = factory.SubFactory(PostFactory)
    image = factory.Sequence(lambda n: f"posts/test{n}.png")
    variants = factory.LazyAttribute(
        lambda row: {key: row.image.replace(".png", f"_{key}.webp") for key in ("feed", "thumb")}
    )
    position = factory.Sequence(lambda n: n)


class CommentFactory(factory.django.DjangoModelFactory):
    """A fan's top-level comment on a public post (the post's creator owns the thread)."""

    class Meta:
        model = "creators.Comment"

    post = factory.SubFactory(PostFactory)
    creator = factory.SelfAttribute("post.creator")
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Love this glaze, number {n}!")
    body_html = factory.LazyAttribute(lambda comment: f"<p>{comment.body}</p>")


def paid_order_of(*, buyer, product, status="paid", **fields):
    """A paid (or shipped/delivered) order of `buyer` containing `product`: what makes a
    verified purchase. Physical unless the product is digital."""
    digital = product.kind == ProductKind.DIGITAL
    order = OrderFactory(
        checkout__buyer=buyer,
        shop=product.shop,
        status=status,
        paid_at=fields.pop("paid_at", timezone.now()),
        digital=digital,
        **fields,
    )
    OrderItemFactory(order=order, product=product, quantity=1)
    return order


class ReviewFactory(factory.django.DjangoModelFactory):
    """A review row written directly (no purchase check, no rating totals): for pages and
    query counts. Tests of the rules go through `reviews.services.review_write`; call
    `reviews.ratings.ratings_repair()` after making these to set the products' totals."""

    class Meta:
        model = "reviews.Review"

    product = factory.SubFactory(ProductFactory)
    author = factory.SubFactory(UserFactory)
    rating = 4
    title = factory.Sequence(lambda n: f"Lovely thing {n}")
    body = "Arrived well packed. Feels great in the hand."


def follow_recorded(*, fan: User, creator: CreatorProfile) -> Follow:
    """A follow made through the follow service, so its event is recorded as in the app."""
    from creators.follows import follow_create

    follow_create(follower=fan, followed=creator.user)
    return Follow.objects.get(follower=fan, followed=creator.user)


def post_published_recorded(*, creator: CreatorProfile, title: str = "Spring glazes"):
    """A post published through the post service (body `title`); returns its event."""
    from creators.models import EngagementEvent, EventKind
    from creators.posts import PostAction, post_create

    post = post_create(author=creator.user, body=title, action=PostAction.PUBLISH)
    return EngagementEvent.objects.get(kind=EventKind.POST_PUBLISHED, target_id=post.pk)
