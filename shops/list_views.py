"""Tastemaker lists: the list page, making and editing lists, following, reporting, the
fan's lists and the tastemakers page. Rules live in shops/lists.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.http import form_id, login_redirect
from core.ratelimits import rate_limited
from creators.report_views import report_page
from shops import lists, referrals
from shops.list_forms import AddToListForm, ListForm, NewListWithProductForm, NoteForm
from shops.models import LIST_MAX_ITEMS, LIST_MIN_PUBLIC_ITEMS, Product

LIST_CREATE_RATE = "10/h"
LIST_ITEM_RATE = "60/h"
LIST_FOLLOW_RATE = "120/h"
REPORT_RATE = "20/h"
TASTEMAKERS_PER_PAGE = 20
LISTS_PER_PAGE = 25


def _product_on_sale(product_id) -> Product:
    pk = form_id(product_id)
    if pk is None:
        raise Http404("No such product.")
    product = (
        Product.objects.filter(pk=pk)
        .filter(lists.visible_product_q())
        .select_related("shop__creator")
        .first()
    )
    if product is None:
        raise Http404("No such product.")
    return product


def _errors_into(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- Public pages ----------------------------------------------------------------------


@require_GET
def list_detail(request, list_id):
    """A list's page: public lists for everyone, any list for its author."""
    taste_list = lists.list_get_for_viewer(list_id=list_id, viewer=request.user)
    is_owner = taste_list.author_id == request.user.pk
    return render(
        request,
        "shops/list_detail.html",
        {
            "taste_list": taste_list,
            "items": lists.list_items_visible(taste_list=taste_list),
            "is_owner": is_owner,
            "is_public": lists.list_is_public(taste_list),
            "following": lists.list_followed_by(taste_list=taste_list, user=request.user),
            "hidden_items": lists.list_hidden_item_count(taste_list=taste_list) if is_owner else 0,
            "min_items": LIST_MIN_PUBLIC_ITEMS,
            "max_items": LIST_MAX_ITEMS,
        },
    )


@require_GET
@never_cache
def list_item_go(request, list_id, item_id):
    """A product link on a list page: on to the product, crediting the list's author with
    the visit (and, within the window, the purchase) — as their share link of the list
    would. A fan who arrived through someone's share link of this same list keeps that
    credit."""
    taste_list = lists.list_get_for_viewer(list_id=list_id, viewer=request.user)
    item = next(
        (i for i in lists.list_items_visible(taste_list=taste_list) if i.pk == item_id),
        None,
    )
    if item is None:
        raise Http404("No such item.")
    product = item.product
    response = redirect(product.get_absolute_url())
    if not lists.list_is_public(taste_list):
        return response  # the author looking at their own private list
    current = referrals.attribution_from_request(request)
    if current is not None and current.taste_list_id == taste_list.pk:
        return response
    link = referrals.share_link_get_or_create(sharer=taste_list.author, target=taste_list)
    outcome = referrals.share_visit_record(
        link=link,
        visitor=request.user,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        who=referrals.visitor_key(request),
        countable=referrals.visit_countable(request),
        creator=product.shop.creator,
        target=product,
    )
    if outcome.attribute:
        referrals.attribution_cookie_set(response, link=link)
    return response


@require_GET
def lists_discover(request):
    """Tastemakers ranked by the purchases their lists and shares influenced."""
    page = Paginator(lists.tastemakers_ranked(), TASTEMAKERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "shops/lists_discover.html",
        {
            "page": page,
            "tastemakers": lists.tastemakers_with_lists(list(page.object_list)),
            "featured": lists.lists_featured(limit=4) if page.number == 1 else [],
            "tiers": lists.TIERS,
        },
    )


# --- The fan's own lists ---------------------------------------------------------------


@login_required
def account_lists(request):
    mine = Paginator(lists.lists_of_author(user=request.user), LISTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    followed = Paginator(lists.lists_followed(user=request.user), LISTS_PER_PAGE).get_page(
        request.GET.get("followed_page")
    )
    return render(
        request,
        "shops/account_lists.html",
        {"mine": mine, "followed": followed, "min_items": LIST_MIN_PUBLIC_ITEMS},
    )


@login_required
@rate_limited("list_create", LIST_CREATE_RATE)
def list_create(request):
    """A new list, optionally starting with the product the fan came from."""
    product_id = request.POST.get("product") or request.GET.get("product")
    product = _product_on_sale(product_id) if product_id else None
    form_class = NewListWithProductForm if product else ListForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            taste_list = lists.list_create(
                author=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                product=product,
                note=form.cleaned_data.get("note", ""),
            )
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(
                request,
                f"“{taste_list.title}” is made. It becomes public once it holds "
                f"{LIST_MIN_PUBLIC_ITEMS} products: add them from any product page.",
            )
            return redirect(taste_list)
    return render(request, "shops/list_form.html", {"form": form, "product": product})


@login_required
@rate_limited("list_item", LIST_ITEM_RATE)
def list_add_product(request):
    """Add a product to one of the fan's lists (or start a new one with it)."""
    product = _product_on_sale(request.POST.get("product") or request.GET.get("product"))
    form = AddToListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Another fan's list id in the form is a 404, like any other list of theirs.
        taste_list = lists.list_get_for_owner(
            user=request.user, list_id=form.cleaned_data["taste_list"]
        )
        try:
            lists.list_item_add(
                taste_list=taste_list, product=product, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, f"“{product.title}” is on “{taste_list.title}”.")
            return redirect(taste_list)
    return render(
        request,
        "shops/list_add.html",
        {
            "product": product,
            "form": form,
            "my_lists": list(lists.lists_of_user_for_product(user=request.user, product=product)),
            "new_form": NewListWithProductForm(auto_id="new_%s"),  # ids unique on the page
        },
        status=400 if form.errors else 200,
    )


@login_required
@rate_limited("list_create", LIST_CREATE_RATE)
def list_edit(request, list_id):
    taste_list = lists.list_get_for_owner(user=request.user, list_id=list_id)
    form = ListForm(
        request.POST or None,
        initial={"title": taste_list.title, "description": taste_list.description},
    )
    if request.method == "POST" and form.is_valid():
        try:
            lists.list_update(taste_list=taste_list, **form.cleaned_data)
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, "Your list is saved.")
            return redirect(taste_list)
    return render(request, "shops/list_form.html", {"form": form, "taste_list": taste_list})


@login_required
def list_delete(request, list_id):
    taste_list = lists.list_get_for_owner(user=request.user, list_id=list_id)
    if request.method == "POST":
        title = taste_list.title
        lists.list_delete(taste_list=taste_list)
        messages.success(request, f"“{title}” is deleted.")
        return redirect("shops:account_lists")
    return render(request, "shops/list_delete.html", {"taste_list": taste_list})


@login_required
@require_POST
@rate_limited("list_item", LIST_ITEM_RATE)
def list_item_action(request, list_id, item_id):
    """The author edits an item's note, moves it up or down, or removes it."""
    item = lists.list_item_get_for_owner(user=request.user, list_id=list_id, item_id=item_id)
    action = request.POST.get("action", "")
    try:
        if action == "note":
            form = NoteForm(request.POST)
            if not form.is_valid():
                raise ValidationError(" ".join(form.errors["note"]))
            lists.list_item_update_note(item=item, note=form.cleaned_data["note"])
            messages.success(request, "The note is saved.")
        elif action in ("up", "down"):
            lists.list_item_move(item=item, direction=action)
        elif action == "remove":
            lists.list_item_remove(item=item)
            messages.success(request, "The product is off the list.")
        else:
            raise ValidationError("Choose what to do with this item.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(f"{item.taste_list.get_absolute_url()}#item-{item.pk}")


@require_POST
@rate_limited("list_follow", LIST_FOLLOW_RATE)
def list_follow(request, list_id):
    taste_list = lists.list_get_for_viewer(list_id=list_id, viewer=request.user)
    back = taste_list.get_absolute_url()
    if not request.user.is_authenticated:
        return login_redirect(request, back)
    if not lists.list_is_public(taste_list):
        raise Http404("No such list.")
    try:
        if request.POST.get("action") == "unfollow":
            lists.list_unfollow(user=request.user, taste_list=taste_list)
            messages.success(request, f"You no longer follow “{taste_list.title}”.")
        else:
            lists.list_follow(user=request.user, taste_list=taste_list)
            messages.success(request, f"You follow “{taste_list.title}”: find it under Your lists.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(back)


@login_required
@rate_limited("report", REPORT_RATE)
def list_report(request, list_id):
    taste_list = lists.list_get_for_viewer(list_id=list_id, viewer=request.user)
    back_url = taste_list.get_absolute_url()

    def submit(*, reason, details):
        lists.list_report(
            reporter=request.user, taste_list=taste_list, reason=reason, details=details
        )

    return report_page(request, back_url=back_url, what="list", submit=submit)
