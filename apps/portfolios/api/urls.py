from django.urls import path

from apps.portfolios.api import views

app_name = "portfolios-api"

urlpatterns = [
    path("portfolios/", views.PortfolioListView.as_view(), name="portfolio-list"),
    path("portfolios/<uuid:portfolio_id>/", views.PortfolioDetailView.as_view(), name="portfolio-detail"),
    path("portfolios/<uuid:portfolio_id>/holdings/", views.HoldingListView.as_view(), name="holding-list"),
    path("portfolios/<uuid:portfolio_id>/holdings/import/", views.HoldingImportView.as_view(), name="holding-import"),
    path(
        "portfolios/<uuid:portfolio_id>/holdings/<uuid:lot_id>/",
        views.HoldingDetailView.as_view(),
        name="holding-detail",
    ),
    path("portfolios/<uuid:portfolio_id>/performance/", views.PerformanceView.as_view(), name="performance"),
    path("portfolios/<uuid:portfolio_id>/optimize/", views.OptimizeView.as_view(), name="optimize"),
    path(
        "portfolios/<uuid:portfolio_id>/optimizations/",
        views.OptimizationRunListView.as_view(),
        name="optimization-list",
    ),
    path("portfolios/<uuid:portfolio_id>/backtest/", views.BacktestView.as_view(), name="backtest"),
    path("portfolios/<uuid:portfolio_id>/shares/", views.ShareListView.as_view(), name="share-list"),
    path(
        "portfolios/<uuid:portfolio_id>/shares/<uuid:share_id>/",
        views.ShareDetailView.as_view(),
        name="share-detail",
    ),
    path("optimizations/<uuid:run_id>/", views.OptimizationRunView.as_view(), name="optimization-detail"),
    path("optimizations/<uuid:run_id>/target/", views.OptimizationTargetView.as_view(), name="optimization-target"),
    path("backtests/<uuid:backtest_id>/", views.BacktestRunView.as_view(), name="backtest-detail"),
]
