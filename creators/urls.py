from django.urls import path

from creators import (
    comment_views,
    fan_views,
    follow_views,
    notification_views,
    post_views,
    recognition_views,
    views,
)

app_name = "creators"

urlpatterns = [
    path("creators/", views.creator_list, name="list"),
    path("studio/", views.studio, name="studio"),
    path("studio/metrics.csv", views.studio_metrics_csv, name="studio_metrics_csv"),
    path("account/", views.account, name="account"),
    path(
        "account/notifications/",
        notification_views.notification_settings,
        name="notification_settings",
    ),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/<id:notification_id>/read/",
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
    # Posts, follows and the feed
    path("feed/", post_views.feed_page, name="feed"),
    path("@<str:handle>/posts/", post_views.creator_posts, name="posts"),
    path("@<str:handle>/posts/<id:post_id>/", post_views.post_detail, name="post"),
    path("@<str:handle>/follow/", follow_views.follow, name="follow"),
    path("studio/followers/", follow_views.studio_followers, name="studio_followers"),
    path("account/following/", follow_views.account_following, name="account_following"),
]

# Fans' public profiles, fans following fans, what they share: fan_views.py
urlpatterns += [
    path("account/profile/", fan_views.account_profile, name="account_profile"),
    path("u/<str:public_id>/", fan_views.fan_profile, name="fan_profile"),
    path("u/<str:public_id>/follow/", fan_views.fan_follow, name="fan_follow"),
    path("feed/people/<slug:source>/", fan_views.feed_people, name="feed_people"),
]

# Comments, questions, replies, likes, reports and the creator's Inbox: comment_views.py
urlpatterns += [
    path(
        "@<str:handle>/posts/<id:post_id>/comments/",
        comment_views.post_comment,
        name="post_comment",
    ),
    path("@<str:handle>/posts/<id:post_id>/like/", comment_views.post_like, name="post_like"),
    path("@<str:handle>/posts/<id:post_id>/report/", comment_views.post_report, name="post_report"),
    path("comments/<id:comment_id>/reply/", comment_views.comment_reply, name="comment_reply"),
    path("comments/<id:comment_id>/edit/", comment_views.comment_edit, name="comment_edit"),
    path("comments/<id:comment_id>/delete/", comment_views.comment_delete, name="comment_delete"),
    path("comments/<id:comment_id>/like/", comment_views.comment_like, name="comment_like"),
    path("comments/<id:comment_id>/report/", comment_views.comment_report, name="comment_report"),
    path(
        "comments/<id:comment_id>/moderate/",
        comment_views.comment_moderate,
        name="comment_moderate",
    ),
    path(
        "comments/<id:comment_id>/handled/",
        comment_views.comment_handled,
        name="comment_handled",
    ),
    path("studio/inbox/", comment_views.studio_inbox, name="inbox"),
    path(
        "studio/posts/<id:post_id>/engagement/",
        comment_views.studio_post_engagement,
        name="post_engagement",
    ),
    path("studio/blocked/", comment_views.studio_blocked, name="blocked"),
]

# Recognising fans: featuring, thank-you notes (recognition_views.py)
urlpatterns += [
    path(
        "comments/<id:comment_id>/feature/",
        recognition_views.comment_feature,
        name="comment_feature",
    ),
    path(
        "studio/featured/<id:item_id>/remove/",
        recognition_views.featured_remove,
        name="featured_remove",
    ),
    path("studio/fans/<id:fan_id>/thank/", recognition_views.thank_fan, name="thank_fan"),
    path("account/thanks/", recognition_views.thank_you_notes, name="thank_you_notes"),
]
