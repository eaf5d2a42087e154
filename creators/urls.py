from django.urls import path

from creators import views

app_name = "creators"

urlpatterns = [
    path("creators/", views.creator_list, name="list"),
    path("studio/", views.studio, name="studio"),
    path("studio/metrics.csv", views.studio_metrics_csv, name="studio_metrics_csv"),
    path("account/", views.account, name="account"),
    path("@<str:handle>/", views.creator_detail, name="detail"),
    path("@<str:handle>/edit/", views.creator_edit, name="edit"),
]
