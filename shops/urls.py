from django.urls import path

from shops import cart_views, views

app_name = "shops"

urlpatterns = [
    path("open-shop/", views.open_shop, name="open"),
    path("cart/", cart_views.cart_detail, name="cart"),
    path("cart/add/", cart_views.cart_add, name="cart_add"),
    path("cart/lines/<int:line_id>/", cart_views.cart_line, name="cart_line"),
    path("studio/shop/", views.studio_products, name="studio_products"),
    path("studio/shop/new/", views.product_create, name="product_create"),
    path("studio/shop/<slug:slug>/edit/", views.product_edit, name="product_edit"),
    path("studio/shop/<slug:slug>/status/", views.product_status, name="product_status"),
    path("@<str:handle>/p/<slug:slug>/", views.product_detail, name="product"),
]
