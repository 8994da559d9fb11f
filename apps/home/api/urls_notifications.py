from django.urls import path

from apps.home.api import notifications as views

app_name = "notifications-api"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("read-all/", views.NotificationReadAllView.as_view(), name="read-all"),
    path("preferences/", views.PreferenceListView.as_view(), name="preferences"),
    path("preferences/<str:kind>/", views.PreferenceDetailView.as_view(), name="preference"),
    path("<int:notification_id>/", views.NotificationDetailView.as_view(), name="detail"),
    path("<int:notification_id>/read/", views.NotificationReadView.as_view(), name="read"),
]
