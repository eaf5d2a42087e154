from django.urls import path

from shops import views

app_name = "shops"

urlpatterns = [
    path("open-shop/", views.open_shop, name="open"),
]
