from django.urls import include, path

urlpatterns = [
    path("watchlist/", include("apps.home.api.urls_watchlist")),
    path("alerts/", include("apps.home.api.urls_alerts")),
    path("notifications/", include("apps.home.api.urls_notifications")),
    path("plan/", include("apps.home.api.urls_plan")),
]
