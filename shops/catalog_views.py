"""The catalog page `/shop/`: parse the filters, read a page of products, render."""

from django.core.paginator import Paginator
from django.shortcuts import render

from core import pagecache
from shops.catalog import CatalogFilterForm, Sort, catalog_products, catalog_top_tags

PRODUCTS_PER_PAGE = 24


@pagecache.cached_page(lambda: [pagecache.CATALOG])
def catalog(request):
    form = CatalogFilterForm(request.GET)
    form.is_valid()  # invalid fields are left out of the filters and shown on the page
    filters = form.filters()
    page = Paginator(catalog_products(filters=filters), PRODUCTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    top_tags = catalog_top_tags()
    return render(
        request,
        "shops/catalog.html",
        {
            "form": form,
            "price_fields": [form["min_price"], form["max_price"]],
            "filters": filters,
            "page": page,
            "products": page.object_list,
            "top_tags": top_tags,
            "active_tag": next((t for t in top_tags if t.slug == filters.tag), None),
            "is_filtered": any(
                (
                    filters.q,
                    filters.tag,
                    filters.min_price is not None,
                    filters.max_price is not None,
                    filters.in_stock,
                )
            ),
            "sort_choices": [c for c in Sort.CHOICES if filters.q or c[0] != Sort.RELEVANCE],
            "current_sort": filters.effective_sort,
        },
    )
