from django.urls import path  # noqa: F401 - routes are added as the endpoints land

app_name = "plan-api"

urlpatterns: list = []
