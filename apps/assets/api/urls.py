from django.urls import path

from apps.assets.api import views

app_name = "assets-api"

urlpatterns = [
    path("assets/", views.AssetListView.as_view(), name="list"),
    path("assets/<str:symbol>/", views.AssetDetailView.as_view(), name="detail"),
    path("assets/<str:symbol>/prices/", views.PricesView.as_view(), name="prices"),
    path("assets/<str:symbol>/stats/", views.StatsView.as_view(), name="stats"),
]
