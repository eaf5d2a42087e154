from django.urls import path

from creators import follow_views, post_views, views

app_name = "creators"

urlpatterns = [
    path("creators/", views.creator_list, name="list"),
    path("studio/", views.studio, name="studio"),
    path("studio/metrics.csv", views.studio_metrics_csv, name="studio_metrics_csv"),
    path("account/", views.account, name="account"),
    path("@<str:handle>/", views.creator_detail, name="detail"),
    path("@<str:handle>/edit/", views.creator_edit, name="edit"),
    # Posts, follows and the feed
    path("feed/", post_views.feed_page, name="feed"),
    path("@<str:handle>/posts/", post_views.creator_posts, name="posts"),
    path("@<str:handle>/posts/<int:post_id>/", post_views.post_detail, name="post"),
    path("@<str:handle>/follow/", follow_views.follow, name="follow"),
    path("studio/followers/", follow_views.studio_followers, name="studio_followers"),
    path("account/following/", follow_views.account_following, name="account_following"),
]
