from django.urls import path

from apps.portfolios import optimize_views, share_views, views

app_name = "portfolios"

urlpatterns = [
    path("", views.portfolio_list, name="list"),
    path("<uuid:portfolio_id>/", views.portfolio_detail, name="detail"),
    path("<uuid:portfolio_id>/rename/", views.portfolio_rename, name="rename"),
    path("<uuid:portfolio_id>/delete/", views.portfolio_delete, name="delete"),
    path("<uuid:portfolio_id>/performance/", views.portfolio_performance, name="performance"),
    path("<uuid:portfolio_id>/lots/", views.lot_add, name="lot-add"),
    path("<uuid:portfolio_id>/lots/<uuid:lot_id>/", views.lot_row, name="lot-row"),
    path("<uuid:portfolio_id>/lots/<uuid:lot_id>/edit/", views.lot_edit, name="lot-edit"),
    path("<uuid:portfolio_id>/lots/<uuid:lot_id>/delete/", views.lot_delete, name="lot-delete"),
    path("<uuid:portfolio_id>/import/", views.holdings_import, name="import"),
    path("<uuid:portfolio_id>/export.csv", views.holdings_export, name="export"),
    path("<uuid:portfolio_id>/optimize/", optimize_views.portfolio_optimize, name="optimize"),
    path("<uuid:portfolio_id>/optimize/runs/", optimize_views.optimization_runs, name="optimization-runs"),
    path("<uuid:portfolio_id>/optimize/<uuid:run_id>/", optimize_views.optimization_run, name="optimization-run"),
    path(
        "<uuid:portfolio_id>/optimize/<uuid:run_id>/apply/",
        optimize_views.optimization_apply,
        name="optimization-apply",
    ),
    path("<uuid:portfolio_id>/shares/", share_views.portfolio_shares, name="shares"),
    path("<uuid:portfolio_id>/shares/<uuid:share_id>/revoke/", share_views.share_revoke, name="share-revoke"),
]
