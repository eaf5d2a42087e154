from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from relcommerce import health, views
from shops import catalog_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("shop/", catalog_views.catalog, name="catalog"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("shops.urls")),
    path("", include("reviews.urls")),
    path("", include("creators.urls")),
]

if settings.SERVE_MEDIA:
    # Local media storage; in a larger deployment object storage serves these instead.
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [re_path(rf"^{media_prefix}(?P<path>.*)$", views.media, name="media")]
