from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("@<str:handle>/p/<slug:slug>/review/", views.review_write, name="write"),
    path("reviews/<id:review_id>/helpful/", views.review_helpful, name="helpful"),
    path("reviews/<id:review_id>/report/", views.review_report, name="report"),
    path("reviews/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("studio/reviews/", views.studio_reviews, name="studio"),
    path("studio/reviews/<id:review_id>/respond/", views.review_respond, name="respond"),
    path("studio/reviews/<id:review_id>/feature/", views.review_feature, name="feature"),
    path("account/reviews/", views.preferences, name="preferences"),
]
