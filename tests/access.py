"""What the authorization and visibility matrices share: every route of the URLconf, and
a small world of people and things to request them with.

`routes()` walks `django.urls.get_resolver()` recursively, so a route added anywhere is
found; each matrix test then fails on a route its table does not classify. `world()`
builds, with tests/factories.py, one creator's shop and everything in it that belongs to
someone — and the people who may or may not see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Model, QuerySet
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from creators import conversation, featuring
from creators.models import (
    CreatorProfile,
    EngagementEvent,
    EventKind,
    Notification,
    User,
)
from shops import lists
from shops.models import Cart, CartLine
from tests.factories import (
    CheckoutFactory,
    CreatorProfileFactory,
    FollowFactory,
    OrderFactory,
    OrderItemFactory,
    PostFactory,
    ProductFactory,
    ReviewFactory,
    ShopFactory,
    UserFactory,
)

# Routes that belong to a framework app, classified by where they are mounted: their
# access rules are the framework's, and routes the framework adds later (allauth's MFA
# pages, say) are covered without a new line here.
FRAMEWORK_PREFIXES = {
    "admin/": "Django admin: staff only, checked by admin.site on every view",
    "accounts/": "allauth: the signed-in person's own account, or sign-in/up/reset "
    "pages that act on nobody else's object (keys are single-use secrets)",
}


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the pattern itself for an unnamed route
    pattern: str

    @property
    def framework(self) -> str | None:
        return next(
            (why for prefix, why in FRAMEWORK_PREFIXES.items() if self.pattern.startswith(prefix)),
            None,
        )


def _walk(patterns, prefix: str, namespace: str | None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            if entry.name:
                key = f"{namespace}:{entry.name}" if namespace else entry.name
            else:
                key = pattern
            yield Route(key=key, pattern=pattern)


def routes() -> list[Route]:
    """Every route the site answers, each once (by key)."""
    found: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns, "", None):
        found.setdefault(route.key, route)
    return list(found.values())


def app_routes() -> list[Route]:
    """The routes our own apps define: what the matrices classify one by one."""
    return [route for route in routes() if route.framework is None]


def snapshot(obj: Model | QuerySet) -> dict | list | None:
    """The row's stored values now (None once deleted), or a queryset's rows: a refused
    request changes none."""
    if isinstance(obj, QuerySet):
        return list(obj.values())
    row = type(obj)._default_manager.filter(pk=obj.pk).first()
    if row is None:
        return None
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}


@dataclass
class World:
    """One creator's shop and what people own in it.

    - `ana`: the creator (shop, products, posts, orders, reviews of her products, the
      comments on her posts, her notifications, her featured items);
    - `bob`: another creator with his own shop;
    - `buyer`: a fan who follows Ana, bought from her, reviewed, commented, has a cart,
      a tastemaker list and a notification of his own;
    - `stranger`: a fan with nothing to do with anyone.
    """

    ana: CreatorProfile
    bob: CreatorProfile
    buyer: User
    stranger: User
    objects: dict[str, Model] = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def users(self) -> dict[str, User]:
        return {
            "creator": self.ana.user,
            "other creator": self.bob.user,
            "fan": self.buyer,
            "stranger": self.stranger,
        }

    def client(self, who: str) -> Client:
        client = Client()
        if who != "anonymous":
            client.force_login(self.users[who])
        return client


def world() -> World:
    ana = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes")).creator
    bob = ShopFactory(creator=CreatorProfileFactory(handle="bob_bakes")).creator
    buyer = UserFactory(name="Bea Buyer")
    stranger = UserFactory(name="Sam Stranger")
    FollowFactory(follower=buyer, followed=ana.user)
    w = World(ana=ana, bob=bob, buyer=buyer, stranger=stranger)
    o = w.objects
    o["product"] = ProductFactory(shop=ana.shop, title="Ana's speckled mug")
    o["product_two"] = ProductFactory(shop=ana.shop)
    o["product_three"] = ProductFactory(shop=bob.shop)
    o["post"] = PostFactory(creator=ana.user)
    o["comment"] = conversation.comment_create_on_post(
        author=buyer, post=o["post"], body="What glaze is this?"
    )
    o["checkout"] = CheckoutFactory(buyer=buyer)
    o["order"] = OrderFactory(checkout=o["checkout"], shop=ana.shop, status="paid")
    o["order"].paid_at = timezone.now()
    o["order"].save(update_fields=["paid_at"])
    OrderItemFactory(order=o["order"], product=o["product"], quantity=1)
    o["review"] = ReviewFactory(product=o["product"], author=buyer)
    o["featured"] = featuring.featured_add(creator=ana, target=o["comment"], fan=buyer)
    cart = Cart.objects.create(user=buyer)
    o["line"] = CartLine.objects.create(cart=cart, product=o["product"], quantity=1)
    o["list"] = lists.list_create(author=buyer, title="Bea's kitchen")
    for product in (o["product"], o["product_two"], o["product_three"]):
        lists.list_item_add(taste_list=o["list"], product=product, note="")
    o["item"] = o["list"].items.order_by("position", "id").first()
    event = EngagementEvent.objects.create(kind=EventKind.FOLLOW, actor=buyer, creator=ana)
    o["notification"] = Notification.objects.create(
        recipient=ana.user, event=event, kind=EventKind.FOLLOW
    )
    return w
