from django.urls import path

from apps.home.views import watchlist as views

app_name = "watchlist"

urlpatterns = [
    path("", views.index, name="index"),
    path("add/", views.add, name="add"),
    path("<str:symbol>/remove/", views.remove, name="remove"),
]
