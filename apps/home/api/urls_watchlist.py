from django.urls import path

from apps.home.api import watchlist as views

app_name = "watchlist-api"

urlpatterns = [
    path("", views.WatchlistView.as_view(), name="list"),
    path("<str:symbol>/", views.WatchlistEntryView.as_view(), name="entry"),
]
