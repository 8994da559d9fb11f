from django.urls import path

from apps.home.views import alerts as views

app_name = "alerts"

urlpatterns = [
    path("", views.index, name="index"),
    path("<uuid:alert_id>/toggle/", views.toggle, name="toggle"),
    path("<uuid:alert_id>/delete/", views.delete, name="delete"),
]
