from django.urls import path

from apps.replay import views

app_name = "replay"

urlpatterns = [
    path("", views.runs, name="runs"),
    path("banner/", views.banner, name="banner"),
]
