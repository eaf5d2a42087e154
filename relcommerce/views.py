from django.conf import settings
from django.shortcuts import render
from django.views.static import serve

from core import pagecache
from creators.selectors import creators_featured
from shops.lists import lists_featured


@pagecache.cached_page(lambda: [pagecache.CATALOG])
def home(request):
    return render(
        request,
        "home.html",
        # Featured lists: every change to one touches CATALOG (shops/lists.py).
        {"creators": creators_featured(limit=8), "featured_lists": lists_featured(limit=4)},
    )


def media(request, path):
    """Uploaded files, from wherever MEDIA_ROOT points at the time of the request."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)
