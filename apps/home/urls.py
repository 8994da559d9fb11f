from django.urls import include, path

from apps.accounts import views as accounts_views

urlpatterns = [
    path("", accounts_views.dashboard, name="dashboard"),
    path("watchlist/", include("apps.home.urls_watchlist")),
    path("alerts/", include("apps.home.urls_alerts")),
    path("notifications/", include("apps.home.urls_notifications")),
    path("live/", include("apps.home.urls_live")),
    path("plan/", include("apps.home.urls_plan")),
]
