"""The cart: finding a visitor's or fan's cart, changing its lines, and reading it grouped
by shop (a cart may hold products of several creators; checkout makes one order per shop).

Quantities are whole numbers from 1 to the product's stock and `MAX_QUANTITY`; prices are
never stored in the cart nor taken from a form: totals are always computed from the
products as they are now.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Sum
from django.http import Http404

from core import sql
from core.http import form_id
from creators.models import CreatorProfile, User
from shops.models import Cart, CartLine, Product, ProductImage, ProductStatus, Shop
from shops.shipping import free_shipping_gap, shipping_cost

MAX_QUANTITY = 20  # of one product in one order: a shop, not a wholesaler
MAX_LINES = 500
SESSION_KEY = "cart_id"


# --- Finding the cart -----------------------------------------------------------------


def cart_for_request(request, *, create: bool = False) -> Cart | None:
    """The signed-in fan's cart, or the visitor's through the session; made on demand."""
    if request.user.is_authenticated:
        cart = Cart.objects.filter(user_id=request.user.pk).first()
        if cart is None and create:
            cart, _ = Cart.objects.get_or_create(user=request.user)
        return cart
    cart_id = request.session.get(SESSION_KEY)
    cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if cart is None and create:
        cart = Cart.objects.create()
        request.session[SESSION_KEY] = cart.pk
    return cart


def cart_item_count(request) -> int:
    """Units in the cart, for the header badge: one query, none for an empty session or a
    user loaded with `cart_units` (relcommerce.auth_backends does, for the signed-in)."""
    if request.user.is_authenticated:
        units = getattr(request.user, "cart_units", None)
        if units is not None:
            return units
        lines = CartLine.objects.filter(cart__user=request.user)
    elif request.session.get(SESSION_KEY):
        lines = CartLine.objects.filter(cart_id=request.session[SESSION_KEY], cart__user=None)
    else:
        return 0
    return lines.aggregate(units=Sum("quantity"))["units"] or 0


# --- Changing the cart ----------------------------------------------------------------


NOT_FOR_SALE = "That product is not for sale."


def _buyable(product_id) -> Product:
    """The published product behind a form's id. A draft, an archived product, one of a
    suspended creator and an id that names nothing all get the same message, which names
    no product: a POSTed id must not reveal a title its page would not show."""
    pk = form_id(product_id)
    product = (
        Product.objects.select_related("shop__creator__user")
        .filter(pk=pk, status=ProductStatus.PUBLISHED, shop__creator__user__is_active=True)
        .first()
        if pk is not None
        else None
    )
    if product is None:
        raise ValidationError(NOT_FOR_SALE, code="no_product")
    if not product.shop.is_open:  # the page is public: its title may be named
        raise ValidationError(
            "“%(title)s” is not for sale any more.",
            code="unavailable",
            params={"title": product.title},
        )
    return product


def _allowed_quantity(product: Product, wanted: int) -> int:
    """Refuse what can never be bought; the most a fan may hold of `product`."""
    if product.stock == 0:
        raise ValidationError(
            "“%(title)s” is sold out.", code="sold_out", params={"title": product.title}
        )
    limit = MAX_QUANTITY if product.stock is None else min(product.stock, MAX_QUANTITY)
    if wanted > limit:
        if product.stock is not None and product.stock < MAX_QUANTITY:
            message = "Only %(limit)d of “%(title)s” left: you can have at most %(limit)d."
        else:
            message = "You can buy at most %(limit)d of “%(title)s” in one order."
        raise ValidationError(
            message, code="too_many", params={"limit": limit, "title": product.title}
        )
    return limit


def parse_quantity(value) -> int:
    """A whole number from 1 to MAX_QUANTITY, or a clear ValidationError."""
    try:
        quantity = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError("Enter the quantity as a whole number.", code="nan") from None
    if quantity < 1:
        raise ValidationError("The quantity must be at least 1.", code="too_few")
    if quantity > MAX_QUANTITY:
        raise ValidationError(
            "You can buy at most %(max)d of one product in one order.",
            code="too_many",
            params={"max": MAX_QUANTITY},
        )
    return quantity


@transaction.atomic
def cart_add(*, cart: Cart, product_id, quantity: int) -> CartLine:
    """Add `quantity` of a product (to what the cart already holds of it)."""
    product = _buyable(product_id)
    line = CartLine.objects.select_for_update().filter(cart=cart, product=product).first()
    if line is None:
        _allowed_quantity(product, quantity)
        if cart.lines.count() >= MAX_LINES:
            raise ValidationError("Your cart is full. Check out or remove something first.")
        try:
            with transaction.atomic():
                line = CartLine.objects.create(cart=cart, product=product, quantity=quantity)
        except IntegrityError:
            # The same product added in a parallel request, which committed first: add to
            # its line, within the same limits, as if this request had come second.
            line = CartLine.objects.select_for_update().get(cart=cart, product=product)
        else:
            cart.save(update_fields=["updated_at"])  # abandoned carts are found by this
            return line
    total = line.quantity + quantity
    _allowed_quantity(product, total)
    line.quantity = total
    line.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    return line


def _line_of(cart: Cart | None, line_id) -> CartLine:
    """A line of this cart; any other line id (someone else's cart) is a 404."""
    line = None
    if cart is not None and str(line_id).isdigit():
        line = (
            CartLine.objects.select_related("product__shop__creator__user")
            .filter(pk=int(line_id), cart=cart)
            .first()
        )
    if line is None:
        raise Http404("No such line in your cart.")
    return line


@transaction.atomic
def cart_line_set_quantity(*, cart: Cart | None, line_id, quantity: int) -> CartLine:
    line = _line_of(cart, line_id)
    _allowed_quantity(line.product, quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def cart_line_remove(*, cart: Cart | None, line_id) -> Product:
    line = _line_of(cart, line_id)
    line.delete()
    return line.product


@transaction.atomic
def cart_merge_into_user(*, user: User, cart_id) -> Cart | None:
    """At sign-in: move the visitor's lines into the fan's cart (adding up, within limits)."""
    source = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if source is None:
        return None
    target, _ = Cart.objects.get_or_create(user=user)
    existing = {line.product_id: line for line in target.lines.select_related("product")}
    for line in source.lines.select_related("product"):
        kept = existing.get(line.product_id)
        limit = (
            MAX_QUANTITY if line.product.stock is None else min(line.product.stock, MAX_QUANTITY)
        )
        if kept is not None:
            kept.quantity = max(1, min(kept.quantity + line.quantity, limit))
            kept.save(update_fields=["quantity"])
        else:
            line.cart = target
            line.quantity = max(1, min(line.quantity, limit))
            line.save(update_fields=["cart", "quantity"])
    source.delete()
    return target


# --- Reading the cart -----------------------------------------------------------------


@dataclass
class CartItem:
    line: CartLine
    product: Product
    quantity: int
    problem: str = ""  # why this line cannot be bought as it is; empty when it can
    cover: ProductImage | None = None  # the product's first image

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.quantity


@dataclass
class ShopGroup:
    """The lines of one shop: what becomes one order at checkout."""

    shop: Shop
    items: list[CartItem] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((item.line_total for item in self.items if not item.problem), Decimal("0"))

    @property
    def needs_shipping(self) -> bool:
        return any(item.product.kind == "physical" for item in self.items if not item.problem)

    @property
    def shipping(self) -> Decimal:
        """Once per shop order, as checkout will charge it (see shops/shipping.py)."""
        return shipping_cost(
            shop=self.shop, subtotal=self.subtotal, needs_shipping=self.needs_shipping
        )

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping

    @property
    def free_shipping_gap(self) -> Decimal | None:
        return free_shipping_gap(
            shop=self.shop, subtotal=self.subtotal, needs_shipping=self.needs_shipping
        )


@dataclass
class CartSummary:
    groups: list[ShopGroup]

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def has_problems(self) -> bool:
        return any(item.problem for group in self.groups for item in group.items)

    @property
    def units(self) -> int:
        return sum(item.quantity for group in self.groups for item in group.items)

    @property
    def totals(self) -> dict[str, Decimal]:
        """Total with shipping per currency (shops may sell in different currencies)."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for group in self.groups:
            totals[group.shop.currency] += group.total
        return dict(totals)


def _problem(product: Product, quantity: int) -> str:
    if (
        product.status != ProductStatus.PUBLISHED
        or not product.shop.is_open
        or not product.shop.creator.user.is_active
    ):
        return "No longer for sale."
    if product.stock == 0:
        return "Sold out."
    if product.stock is not None and quantity > product.stock:
        return f"Only {product.stock} left: lower the quantity."
    return ""


def cart_summary(cart: Cart | None) -> CartSummary:
    """The cart grouped by shop, each line checked against the product as it is now.

    Queries: the lines with product, shop and creator joined; their images. Constant in
    the number of lines.
    """
    if cart is None:
        return CartSummary(groups=[])
    return _summary(CartLine.objects.filter(cart_id=cart.pk))


def cart_summary_for_request(request) -> CartSummary:
    """The cart page's summary, without reading the cart row first: a signed-in fan's
    lines by their cart's owner (none at all when the header's count says the cart is
    empty), a visitor's by the session's cart. One hand-written query (`_PAGE_LINES`)."""
    user = request.user
    if user.is_authenticated:
        if getattr(user, "cart_units", None) == 0:
            return CartSummary(groups=[])
        return _page_summary("cart.user_id = %s", user.pk)
    cart_id = request.session.get(SESSION_KEY)
    if not cart_id:
        return CartSummary(groups=[])
    return _page_summary("cart.id = %s AND cart.user_id IS NULL", cart_id)


def _summary(lines) -> CartSummary:
    lines = (
        lines.select_related("product__shop__creator__user")
        .prefetch_related(
            Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id"))
        )
        .order_by("product__shop__name", "product__shop_id", "added_at", "id")
    )
    groups: dict[int, ShopGroup] = {}
    for line in lines:
        product = line.product
        group = groups.setdefault(product.shop_id, ShopGroup(shop=product.shop))
        images = product.images.all()
        group.items.append(
            CartItem(
                line=line,
                product=product,
                quantity=line.quantity,
                problem=_problem(product, line.quantity),
                cover=images[0] if images else None,
            )
        )
    return CartSummary(groups=list(groups.values()))


# The cart page's lines as hand-written SQL (core/sql.py): building the ORM's four-table
# select_related and the images' prefetch cost the page more than everything else it
# does. Each line with its product, shop, the shop's creator (handle, whether the account
# is active) and the product's cover image, in the order `_summary` gives them.
_PAGE_LINES = (
    "SELECT line.id, line.quantity, p.id, p.title, p.slug, p.price, p.kind, p.stock,"  # noqa: S608 (see core/sql.py)
    " p.status, s.id, s.name, s.currency, s.is_open, s.shipping_rate, s.free_shipping_from,"
    " c.id, c.handle, u.id, u.is_active, img.id, img.variants"
    f" FROM {sql.table(CartLine)} line"
    f" JOIN {sql.table(Cart)} cart ON cart.id = line.cart_id"
    f" JOIN {sql.table(Product)} p ON p.id = line.product_id"
    f" JOIN {sql.table(Shop)} s ON s.id = p.shop_id"
    f" JOIN {sql.table(CreatorProfile)} c ON c.id = s.creator_id"
    f" JOIN {sql.table(User)} u ON u.id = c.user_id"
    f" LEFT JOIN {sql.table(ProductImage)} img ON img.id = ("
    f"  SELECT cover.id FROM {sql.table(ProductImage)} cover WHERE cover.product_id = p.id"
    "   ORDER BY cover.position, cover.id LIMIT 1)"
    " WHERE {where} ORDER BY s.name, s.id, line.added_at, line.id"
)


def _page_summary(where: str, param) -> CartSummary:
    """The cart page's lines (`_PAGE_LINES` where `where`), as `_summary` groups them:
    model instances with what the page shows loaded, their relations set."""
    groups: dict[int, ShopGroup] = {}
    for row in sql.rows(_PAGE_LINES.replace("{where}", where), (param,)):
        (line_id, quantity, product_id, title, slug, price, kind, stock, status) = row[:9]
        (shop_id, shop_name, currency, is_open, rate, free_from) = row[9:15]
        (creator_id, handle, user_id, is_active, image_id, variants) = row[15:]
        group = groups.get(shop_id)
        if group is None:
            creator = sql.instance(CreatorProfile, id=creator_id, user_id=user_id, handle=handle)
            creator.user = sql.instance(User, id=user_id, is_active=bool(is_active))
            shop = sql.instance(
                Shop,
                id=shop_id,
                creator_id=creator_id,
                name=shop_name,
                currency=currency,
                is_open=bool(is_open),
                shipping_rate=rate,
                free_shipping_from=free_from,
            )
            shop.creator = creator
            group = groups[shop_id] = ShopGroup(shop=shop)
        product = sql.instance(
            Product,
            id=product_id,
            shop_id=shop_id,
            title=title,
            slug=slug,
            price=price,
            kind=kind,
            stock=stock,
            status=status,
        )
        product.shop = group.shop
        line = sql.instance(CartLine, id=line_id, product_id=product_id, quantity=quantity)
        line.product = product
        cover = None
        if image_id is not None:
            cover = sql.instance(
                ProductImage,
                id=image_id,
                product_id=product_id,
                variants=variants,
            )
        group.items.append(
            CartItem(
                line=line,
                product=product,
                quantity=quantity,
                problem=_problem(product, quantity),
                cover=cover,
            )
        )
    return CartSummary(groups=list(groups.values()))
