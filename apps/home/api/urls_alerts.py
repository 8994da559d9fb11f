from django.urls import path

from apps.home.api import alerts as views

app_name = "alerts-api"

urlpatterns = [
    path("", views.AlertListView.as_view(), name="list"),
    path("<str:alert_id>/", views.AlertDetailView.as_view(), name="detail"),
]
