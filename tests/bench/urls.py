"""The site's URLconf plus the two baseline views, for `make bench` only."""

from django.urls import include, path

from relcommerce import urls as site_urls
from tests.bench import views

urlpatterns = [
    path("bench/plain/", views.plain, name="bench_plain"),
    path("bench/rows/", views.rows, name="bench_rows"),
    path("", include(site_urls)),
]

# Keep the site's custom error views, if it declares any.
for _name in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(site_urls, _name):
        globals()[_name] = getattr(site_urls, _name)
