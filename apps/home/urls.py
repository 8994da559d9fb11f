from django.urls import include, path

from apps.home.views import dashboard

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("dashboard/jobs/", dashboard.jobs, name="dashboard-jobs"),
    path("watchlist/", include("apps.home.urls_watchlist")),
    path("alerts/", include("apps.home.urls_alerts")),
    path("notifications/", include("apps.home.urls_notifications")),
    path("live/", include("apps.home.urls_live")),
    path("plan/", include("apps.home.urls_plan")),
]
