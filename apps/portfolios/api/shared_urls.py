"""The public JSON face of share links (no login): its own namespace, since these routes are
public by design and take a token, not an owned object's id."""

from django.urls import path

from apps.portfolios.api import views

app_name = "shared-api"

urlpatterns = [
    path("shared/<str:token>/", views.SharedPortfolioView.as_view(), name="portfolio"),
]
