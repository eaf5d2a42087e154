"""The site's URLconf plus two test-only routes: a view that fails (the 500 page) and one
limited to a single POST an hour (the 429 page)."""

from django.http import HttpResponse
from django.urls import path

from core.ratelimits import rate_limited
from relcommerce.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("a test view that always fails")


@rate_limited("security-headers-test", "1/h")
def limited(request):
    return HttpResponse("done")


urlpatterns = [path("broken/", broken), path("limited/", limited), *site_urlpatterns]
