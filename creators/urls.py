from django.urls import path

from creators import notification_views, views

app_name = "creators"

urlpatterns = [
    path("creators/", views.creator_list, name="list"),
    path("studio/", views.studio, name="studio"),
    path("account/", views.account, name="account"),
    path(
        "account/notifications/",
        notification_views.notification_settings,
        name="notification_settings",
    ),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        notification_views.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        notification_views.notifications_read_all,
        name="notifications_read_all",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        notification_views.unsubscribe,
        name="unsubscribe",
    ),
    path("@<str:handle>/", views.creator_detail, name="detail"),
    path("@<str:handle>/edit/", views.creator_edit, name="edit"),
]
