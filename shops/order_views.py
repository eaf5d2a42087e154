"""Order pages: the fan's history and order page, the creator's studio orders, downloads.

Access goes through `orders.order_get_for_buyer` / `order_get_for_shop_owner` (404 for
anyone else); status changes only through the services in shops/orders.py.
"""

import csv
from collections.abc import Iterator
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.http import is_htmx, safe_next
from core.ratelimits import rate_limited
from shops import downloads, orders, selectors, social_proof
from shops.models import OrderStatus, ProductKind

STUDIO_ORDERS_PER_PAGE = 25
DOWNLOAD_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
ORDER_ACTION_RATE = "120/h"


def _download_links(order) -> dict[int, str]:
    """Order item id → a fresh signed link, for the digital items of a paid order."""
    if order.status not in orders.PAID_STATUSES or order.buyer_id is None:
        return {}
    return {
        item.pk: downloads.download_url(order_item_id=item.pk, buyer_id=order.buyer_id)
        for item in order.items.all()
        if item.kind == ProductKind.DIGITAL and item.product is not None
    }


def _timeline(order) -> list[tuple[str, object]]:
    steps = [
        ("Placed", order.created_at),
        ("Paid", order.paid_at),
        ("Shipped", order.shipped_at),
        ("Delivered", order.delivered_at),
        ("Cancelled by the buyer" if order.cancelled_by_buyer else "Cancelled", order.cancelled_at),
    ]
    return [(label, when) for label, when in steps if when]


# Fan side ------------------------------------------------------------------------------------


@login_required
def order_list(request):
    page = orders.order_page_for_buyer(user=request.user, page_number=request.GET.get("page"))
    return render(request, "shops/orders/order_list.html", {"page": page})


@login_required
def order_detail(request, number):
    order = orders.order_get_for_buyer(user=request.user, number=number)
    items = list(order.items.all())
    links = _download_links(order)
    return render(
        request,
        "shops/orders/order_detail.html",
        {
            "order": order,
            "items": [(item, links.get(item.pk)) for item in items],
            "timeline": _timeline(order),
            "has_digital": any(item.kind == ProductKind.DIGITAL for item in items),
            "cancel_refusal": orders.order_buyer_cancel_refusal(order),
            "fan_public": social_proof.fan_is_public(request.user),
        },
    )


@login_required
@require_POST
@rate_limited("order_show", ORDER_ACTION_RATE)
def order_show(request, number):
    """The buyer's "I bought this" switch for one order (show=1 shows it, absent hides)."""
    order = orders.order_get_for_buyer(user=request.user, number=number)
    show = request.POST.get("show") == "1"
    social_proof.order_set_shown(order=order, buyer=request.user, show=show)
    if is_htmx(request):
        return render(
            request,
            "shops/orders/_show_toggle.html",
            {
                "order": order,
                "fan_public": social_proof.fan_is_public(request.user),
                "saved_notice": True,
            },
        )
    if show:
        messages.success(request, f"Order {order.number} is shown on your public profile.")
    else:
        messages.success(request, f"Order {order.number} is no longer shown.")
    return redirect(safe_next(request, reverse("shops:order_detail", args=[order.number])))


@login_required
@rate_limited("order_cancel", ORDER_ACTION_RATE)
def order_cancel(request, number):
    """GET asks "are you sure?"; POST cancels (only before payment, see the service)."""
    order = orders.order_get_for_buyer(user=request.user, number=number)
    if request.method == "POST":
        try:
            orders.order_cancel_by_buyer(order=order, buyer=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"Order {order.number} is cancelled. Nothing is owed; "
                f"{order.shop.name} has been told.",
            )
        return redirect("shops:order_detail", number=order.number)
    refusal = orders.order_buyer_cancel_refusal(order)
    if refusal:
        messages.error(request, refusal)
        return redirect("shops:order_detail", number=order.number)
    return render(request, "shops/orders/order_cancel.html", {"order": order})


@login_required
def download(request, token):
    try:
        item = downloads.download_item_for_buyer(token=token, user=request.user)
    except downloads.DownloadLinkExpired as expired:
        if expired.item is None:
            raise Http404("No download.") from None
        return render(
            request, "shops/orders/download_expired.html", {"order": expired.item.order}, status=410
        )
    if item is None:
        raise Http404("No download.")
    field = item.product.digital_file
    try:
        handle = field.storage.open(field.name, "rb")
    except OSError:
        raise Http404("No download.") from None
    # Whatever was uploaded (an .svg or .html with script in it…), the browser gets opaque
    # bytes to save, never a document to render on this origin: a generic type, an
    # attachment, no sniffing, and a policy that would run nothing if it were shown.
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=downloads.digital_display_name(field.name),
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP  # CSPMiddleware keeps a set header
    return response


# Creator side --------------------------------------------------------------------------------


def _studio_filter(request) -> tuple[str, str]:
    status = request.GET.get("status", "")
    if status not in OrderStatus.values:
        status = ""
    return status, request.GET.get("q", "").strip()[:100]


@login_required
def studio_orders(request):
    shop = selectors.shop_get_for_owner(user=request.user)
    status, query = _studio_filter(request)
    counts = orders.order_status_counts(shop=shop)
    filter_qs = urlencode({k: v for k, v in (("status", status), ("q", query)) if v})
    page = Paginator(
        orders.order_list_for_shop(shop=shop, status=status, query=query), STUDIO_ORDERS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "shops/orders/studio_orders.html",
        {
            "shop": shop,
            "page": page,
            "status": status,
            "query": query,
            "filter_qs": filter_qs,
            "statuses": [(value, label, counts[value]) for value, label in OrderStatus.choices],
            "counts": counts,
        },
    )


@login_required
def studio_order(request, number):
    order = orders.order_get_for_shop_owner(user=request.user, number=number)
    return render(
        request,
        "shops/orders/studio_order.html",
        {
            "order": order,
            "item_rows": [(item, None) for item in order.items.all()],
            "timeline": _timeline(order),
            "refund_due": orders.order_refund_due(order),
            "can": {
                to: orders.order_can_transition(order=order, to=to)
                for to in (
                    OrderStatus.PAID,
                    OrderStatus.SHIPPED,
                    OrderStatus.DELIVERED,
                    OrderStatus.CANCELLED,
                )
            },
        },
    )


ACTIONS = {
    "mark_paid": lambda order, user, data: orders.order_mark_paid(order=order, by=user),
    "mark_shipped": lambda order, user, data: orders.order_mark_shipped(
        order=order,
        by=user,
        tracking_number=data.get("tracking_number", ""),
        tracking_url=data.get("tracking_url", ""),
    ),
    "mark_delivered": lambda order, user, data: orders.order_mark_delivered(order=order, by=user),
    "cancel": lambda order, user, data: orders.order_cancel(order=order, by=user),
}
DONE = {
    "mark_paid": "Order {} is marked paid.",
    "mark_shipped": "Order {} is marked shipped.",
    "mark_delivered": "Order {} is marked delivered.",
    "cancel": "Order {} is cancelled.",
}


@login_required
@require_POST
@rate_limited("order_action", ORDER_ACTION_RATE)
def studio_order_action(request, number):
    order = orders.order_get_for_shop_owner(user=request.user, number=number)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        messages.error(request, "Unknown action.")
        return redirect("shops:studio_order", number=order.number)
    try:
        ACTIONS[action](order, request.user, request.POST)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        done = DONE[action].format(order.number)
        if action == "cancel" and orders.order_refund_due(order):
            done += (
                f" A refund of {order.total} {order.currency} is due to the fan: "
                "pay it back through the way they paid."
            )
        messages.success(request, done)
    return redirect("shops:studio_order", number=order.number)


# CSV export ----------------------------------------------------------------------------------

CSV_HEADER = [
    "number",
    "date",
    "status",
    "buyer email",
    "items",
    "subtotal",
    "shipping",
    "total",
    "currency",
    "shipping address",
    "tracking number",
    "tracking url",
]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A spreadsheet must not run a cell as a formula: prefix risky starts with a quote."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def _address(order) -> str:
    parts = [
        order.ship_name,
        order.ship_line1,
        order.ship_line2,
        f"{order.ship_postal_code} {order.ship_city}".strip(),
        order.ship_country,
    ]
    return ", ".join(part for part in parts if part)


def _csv_rows(qs) -> Iterator[list[str]]:
    yield CSV_HEADER
    for order in qs:
        yield [
            csv_safe(value)
            for value in (
                order.number,
                timezone.localtime(order.created_at).strftime("%Y-%m-%d %H:%M"),
                order.get_status_display(),
                order.email,
                orders.order_items_summary(order),
                order.subtotal,
                order.shipping_cost,
                order.total,
                order.currency,
                _address(order),
                order.tracking_number,
                order.tracking_url,
            )
        ]


@login_required
def studio_orders_csv(request):
    shop = selectors.shop_get_for_owner(user=request.user)
    status, query = _studio_filter(request)
    # Chunked iteration keeps memory flat; prefetch_related works per chunk.
    qs = orders.order_list_for_shop(shop=shop, status=status, query=query).iterator(chunk_size=500)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _csv_rows(qs)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
    return response
