from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import pagecache
from core.ratelimits import rate_limited
from creators import conversation, threads
from creators.comment_views import comment_submit
from creators.forms import OpenShopForm
from creators.page_cache import creator_scope, owns_handle
from creators.selectors import creator_profile_exists, creator_profile_of
from creators.services import ALREADY_CREATOR
from shops import downloads, selectors, services
from shops.forms import ProductEditForm, ProductForm
from shops.models import ProductStatus
from shops.services import shop_open

PRODUCTS_PER_PAGE = 25
PRODUCT_WRITE_RATE = "120/h"


@login_required
@rate_limited("shop_open", "10/h")
def open_shop(request):
    if creator_profile_of(request.user) is not None:
        return _shop_already_open(request)
    form = OpenShopForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            shop = shop_open(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your shop is open. Welcome, creator!")
            return redirect(shop.creator)
    if form.errors and creator_profile_exists(user=request.user):
        # A double submit opened the shop while this one was being checked (its handle
        # now "taken"): answered as a submit that comes a moment later is.
        return _shop_already_open(request)
    return render(request, "shops/open_shop.html", {"form": form})


def _shop_already_open(request):
    messages.info(request, ALREADY_CREATOR)
    return redirect("creators:studio")


# Creator side: the Shop area of the studio -------------------------------------------------


@login_required
def studio_products(request):
    shop = selectors.shop_get_for_owner(user=request.user)
    status = request.GET.get("status", "")
    if status not in ProductStatus.values:
        status = ""
    page = Paginator(
        selectors.product_list_for_shop(shop=shop, status=status or None), PRODUCTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "shops/studio_products.html",
        {
            "shop": shop,
            "profile": shop.creator,
            "page": page,
            "status": status,
            "statuses": ProductStatus.choices,
            "counts": selectors.product_status_counts(shop=shop),
        },
    )


@login_required
@rate_limited("product_write", PRODUCT_WRITE_RATE)
def product_create(request):
    shop = selectors.shop_get_for_owner(user=request.user)
    form = ProductForm(request.POST or None, request.FILES or None, currency=shop.currency)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(shop=shop, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"“{product.title}” is saved as a draft.")
            return redirect("shops:product_edit", slug=product.slug)
    return render(request, "shops/product_form.html", {"form": form, "shop": shop})


@login_required
@rate_limited("product_write", PRODUCT_WRITE_RATE)
def product_edit(request, slug):
    product = selectors.product_get_for_owner(user=request.user, slug=slug)
    initial = {
        "title": product.title,
        "description": product.description,
        "price": product.price,
        "compare_at_price": product.compare_at_price,
        "kind": product.kind,
        "stock": product.stock,
        "sku": product.sku,
        "tags": ", ".join(tag.name for tag in product.tags.all()),
    }
    form = ProductEditForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        currency=product.shop.currency,
        product_images=product.images.all(),
        current_download=downloads.digital_display_name(product.digital_file.name)
        if product.digital_file
        else "",
    )
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_update(product=product, **form.product_data())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"“{product.title}” is saved.")
            return redirect("shops:product_edit", slug=product.slug)
    return render(
        request,
        "shops/product_form.html",
        {"form": form, "shop": product.shop, "product": product},
    )


_STATUS_MESSAGES = {
    ProductStatus.PUBLISHED: "“{}” is published: fans can see and buy it.",
    ProductStatus.DRAFT: "“{}” is a draft again: only you can see it.",
    ProductStatus.ARCHIVED: "“{}” is archived: hidden from fans.",
}


@login_required
@rate_limited("product_write", PRODUCT_WRITE_RATE)
def product_status(request, slug):
    # The owner check comes first, so anyone else gets the same 404 for GET and POST.
    product = selectors.product_get_for_owner(user=request.user, slug=slug)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    status = request.POST.get("status", "")
    if status not in ProductStatus.values:
        messages.error(request, "Choose publish, unpublish or archive.")
    else:
        try:
            product = services.product_set_status(product=product, status=status)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _STATUS_MESSAGES[status].format(product.title))
    next_url = request.POST.get("next", "")
    if next_url == "list":
        return redirect("shops:studio_products")
    return redirect("shops:product_edit", slug=product.slug)


# Fan side ----------------------------------------------------------------------------------


@pagecache.cached_page(lambda handle, slug: [creator_scope(handle)], owner=owns_handle("handle"))
def product_detail(request, handle, slug):
    product = selectors.product_get_public(handle=handle, slug=slug, user=request.user)
    profile = product.shop.creator
    if profile.handle != handle:
        return redirect(product, permanent=True)
    return render(
        request,
        "shops/product_detail.html",
        {
            "product": product,
            "shop": product.shop,
            "profile": profile,
            "images": list(product.images.all()),
            "is_owner": request.user.pk == profile.user_id,
            "more_products": selectors.products_more_from_creator(product=product),
            # Fans' questions and the creator's answers (creators/threads.py).
            "thread": threads.thread_for_target(
                target=product,
                owner_id=profile.user_id,
                viewer=request.user,
                page_number=request.GET.get("questions_page"),
            )
            if product.is_published
            else None,
        },
    )


@require_POST
def product_question(request, handle, slug):
    """A fan asks a question on a product page (a comment whose subject is the product)."""
    product = selectors.product_get_public(handle=handle, slug=slug, user=request.user)
    if not product.is_published:
        raise Http404("Questions open when the product is published.")
    return comment_submit(
        request,
        back_url=product.get_absolute_url(),
        save=lambda body: conversation.comment_create_on_target(
            author=request.user, target=product, owner=product.shop.creator.user, body=body
        ),
        heading="Your question",
        success="Your question is posted: the creator will be notified.",
    )
