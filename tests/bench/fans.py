"""In-process set-up of signed-in fans for `make bench` (Django set up on the bench DB).

A fan's session is made the way a sign-in makes it (`Client.force_login`), and carts and
orders go through the shop's own services (`cart_add`, `order_place`), so the signed-in
pages and the checkout driver see exactly what a real fan would.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

EXPIRY = "12/49"  # MM/YY, far in the future for the `test` card provider
ADDRESS = {
    "ship_name": "Bench Fan",
    "ship_line1": "1 Loopback Lane",
    "ship_line2": "",
    "ship_city": "Porto",
    "ship_postal_code": "4000-001",
    "ship_country": "PT",
}
BIG_STOCK = 1_000_000  # the checkout driver's products never sell out


@dataclass(frozen=True)
class SignedInFan:
    user_id: int
    email: str
    session_key: str


def session_cookie_name() -> str:
    from django.conf import settings

    return settings.SESSION_COOKIE_NAME


def fan_sign_in(user) -> SignedInFan:
    """A fresh session for `user`, as the sign-in view would make it."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return SignedInFan(user.pk, user.email, client.cookies[session_cookie_name()].value)


def seeded_fans(count: int, *, skip: int = 0) -> list:
    """Seeded demo fans in number order, after the first `skip` (fan00001 is the printed
    demo login, so benches start after it)."""
    from creators.models import User
    from relcommerce.demo import DEMO_DOMAIN

    fans = list(
        User.objects.filter(email__startswith="fan", email__endswith=f"@{DEMO_DOMAIN}")
        .exclude(creator_profile__isnull=False)
        .order_by("email")[skip + 1 : skip + 1 + count]
    )
    if len(fans) < count:
        raise SystemExit(
            f"bench: needs {count + skip + 1} seeded fans, the database has fewer: raise BENCH_FANS"
        )
    return fans


def _cart_of(user):
    from django.test import RequestFactory

    from shops import cart as carts

    request = RequestFactory().get("/")
    request.user = user
    return carts.cart_for_request(request, create=True)


def cart_fill(user, product_ids: list[int]) -> None:
    from shops import cart as carts

    cart = _cart_of(user)
    for product_id in product_ids:
        carts.cart_add(cart=cart, product_id=product_id, quantity=1)


def order_for(user, product_ids: list[int]) -> None:
    """Buy `product_ids` for `user` with the `test` card, through `order_place`."""
    from shops.checkout import Address, order_place
    from shops.payments import PAYMENT_PROVIDERS, TEST_CARD_APPROVED

    cart_fill(user, product_ids)
    provider = PAYMENT_PROVIDERS["test"]
    form_data = {"card_number": TEST_CARD_APPROVED, "card_expiry": EXPIRY, "card_cvc": "123"}
    order_place(
        buyer=user,
        cart=_cart_of(user),
        email=user.email,
        address=Address(
            name=ADDRESS["ship_name"],
            line1=ADDRESS["ship_line1"],
            line2="",
            city=ADDRESS["ship_city"],
            postal_code=ADDRESS["ship_postal_code"],
            country=ADDRESS["ship_country"],
        ),
        provider=provider,
        payment_data=provider.clean(form_data),
        idempotency_key=uuid.uuid4(),
    )


def buyable_products(count: int, *, exclude_shop_handle: str = "") -> list:
    """Published physical products of `count` different open shops, in stable order."""
    from shops.models import Product, ProductKind, ProductStatus

    products, shops = [], set()
    candidates = (
        Product.objects.filter(
            status=ProductStatus.PUBLISHED, kind=ProductKind.PHYSICAL, shop__is_open=True
        )
        .exclude(shop__creator__handle=exclude_shop_handle)
        .exclude(stock__lt=5)
        .select_related("shop__creator")
        .prefetch_related("tags")
        .order_by("id")
    )
    for product in candidates.iterator(chunk_size=500):
        if product.shop_id in shops:
            continue
        shops.add(product.shop_id)
        products.append(product)
        if len(products) == count:
            return products
    raise SystemExit(f"bench: needs {count} shops with a published physical product")


def stock_raise(product, stock: int = BIG_STOCK):
    """Restock `product` through the product service, as its creator would."""
    from shops.services import product_update

    return product_update(
        product=product,
        title=product.title,
        description=product.description,
        price=product.price,
        compare_at_price=product.compare_at_price,
        kind=product.kind,
        stock=stock,
        sku=product.sku,
        tags=[tag.name for tag in product.tags.all()],
    )
