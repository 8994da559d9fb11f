from django.urls import path

from apps.home.views import notifications as views

app_name = "notifications"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:notification_id>/read/", views.read, name="read"),
    path("read-all/", views.read_all, name="read-all"),
    path("badge/", views.badge, name="badge"),
    path("toast/", views.toast, name="toast"),
    path("feed/", views.feed, name="feed"),
    path("preferences/", views.preferences, name="preferences"),
]
