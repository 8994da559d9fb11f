from django.urls import path

from apps.assets.api import importing, views

app_name = "assets-api"

urlpatterns = [
    path("market/", views.MarketView.as_view(), name="market"),
    path("assets/", views.AssetListView.as_view(), name="list"),
    path("assets/<str:symbol>/", views.AssetDetailView.as_view(), name="detail"),
    path("assets/<str:symbol>/prices/", views.PricesView.as_view(), name="prices"),
    path("assets/<str:symbol>/stats/", views.StatsView.as_view(), name="stats"),
    path("assets/<str:symbol>/prices/import/", importing.AssetPriceImportView.as_view(), name="prices-import"),
    path("prices/import/", importing.WidePriceImportView.as_view(), name="wide-prices-import"),
    path("jobs/imports/<uuid:job_id>/", importing.ImportJobDetailView.as_view(), name="import-job-detail"),
]
