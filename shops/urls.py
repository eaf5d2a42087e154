from django.urls import path, re_path

from shops import (
    cart_views,
    checkout_views,
    list_views,
    order_views,
    post_views,
    saved_views,
    share_views,
    shipping_views,
    views,
)

app_name = "shops"

urlpatterns = [
    path("open-shop/", views.open_shop, name="open"),
    path("cart/", cart_views.cart_detail, name="cart"),
    path("cart/add/", cart_views.cart_add, name="cart_add"),
    path("cart/lines/<id:line_id>/", cart_views.cart_line, name="cart_line"),
    path("checkout/", checkout_views.checkout, name="checkout"),
    path("checkout/done/<uuid:key>/", checkout_views.checkout_done, name="checkout_done"),
    path("studio/shop/", views.studio_products, name="studio_products"),
    path("studio/shop/new/", views.product_create, name="product_create"),
    path("studio/shop/shipping/", shipping_views.studio_shipping, name="studio_shipping"),
    path("studio/shop/<slug:slug>/edit/", views.product_edit, name="product_edit"),
    path("studio/shop/<slug:slug>/status/", views.product_status, name="product_status"),
    path("@<str:handle>/p/<slug:slug>/", views.product_detail, name="product"),
    path(
        "@<str:handle>/p/<slug:slug>/questions/",
        views.product_question,
        name="product_question",
    ),
]

# Orders (fan history, studio fulfilment, downloads): shops/order_views.py
urlpatterns += [
    path("orders/", order_views.order_list, name="order_list"),
    path("orders/<str:number>/", order_views.order_detail, name="order_detail"),
    path("orders/<str:number>/cancel/", order_views.order_cancel, name="order_cancel"),
    path("orders/<str:number>/show/", order_views.order_show, name="order_show"),
    path("studio/orders/", order_views.studio_orders, name="studio_orders"),
    path("studio/orders/export.csv", order_views.studio_orders_csv, name="studio_orders_csv"),
    path("studio/orders/<str:number>/", order_views.studio_order, name="studio_order"),
    path(
        "studio/orders/<str:number>/action/",
        order_views.studio_order_action,
        name="studio_order_action",
    ),
    path("downloads/<str:token>/", order_views.download, name="download"),
]

# The Studio's posts (shoppable: they feature shop products): shops/post_views.py
urlpatterns += [
    path("studio/posts/", post_views.studio_posts, name="studio_posts"),
    path("studio/posts/new/", post_views.post_create, name="post_create"),
    path("studio/posts/<id:post_id>/edit/", post_views.post_edit, name="post_edit"),
    path("studio/posts/<id:post_id>/delete/", post_views.post_delete, name="post_delete"),
]

# Share links and advocacy: shops/share_views.py
urlpatterns += [
    re_path(
        r"^r/(?P<code>[0-9A-Za-z]{1,16})/?$", share_views.share_redirect, name="share_redirect"
    ),
    path("share/", share_views.share, name="share"),
    path("account/shares/", share_views.account_shares, name="account_shares"),
    path("studio/advocates/", share_views.studio_advocates, name="studio_advocates"),
]

# Tastemaker lists: shops/list_views.py
urlpatterns += [
    path("lists/", list_views.lists_discover, name="lists_discover"),
    path("lists/new/", list_views.list_create, name="list_create"),
    path("lists/add/", list_views.list_add_product, name="list_add_product"),
    path("lists/<id:list_id>/", list_views.list_detail, name="list_detail"),
    path("lists/<id:list_id>/edit/", list_views.list_edit, name="list_edit"),
    path("lists/<id:list_id>/delete/", list_views.list_delete, name="list_delete"),
    path("lists/<id:list_id>/follow/", list_views.list_follow, name="list_follow"),
    path("lists/<id:list_id>/report/", list_views.list_report, name="list_report"),
    path(
        "lists/<id:list_id>/items/<id:item_id>/",
        list_views.list_item_action,
        name="list_item_action",
    ),
    path(
        "lists/<id:list_id>/items/<id:item_id>/go/",
        list_views.list_item_go,
        name="list_item_go",
    ),
    path("account/lists/", list_views.account_lists, name="account_lists"),
]

# Saved items (the heart) and the fan's Saved page: shops/saved_views.py
urlpatterns += [
    path("saved/", saved_views.saved_list, name="saved"),
    path("saved/<id:product_id>/", saved_views.saved_toggle, name="saved_toggle"),
]
