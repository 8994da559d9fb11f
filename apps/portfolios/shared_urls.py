"""The public face of share links, mounted at /shared/ (no login). Its own namespace: these routes
are public by design and take a token, not an owned object's id."""

from django.urls import path

from apps.portfolios import share_views

app_name = "shared"

urlpatterns = [
    path("<str:token>/", share_views.shared_portfolio, name="portfolio"),
]
