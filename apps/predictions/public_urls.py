"""The public track record's pages, mounted at /track-record/ (no login)."""

from django.urls import path

from apps.predictions import public_views

app_name = "track-record"

urlpatterns = [
    path("", public_views.track_record_page, name="index"),
    path("forecasts/<uuid:pk>/", public_views.forecast_verification, name="forecast"),
    path("<str:symbol>/", public_views.track_record_page, name="asset"),
]
