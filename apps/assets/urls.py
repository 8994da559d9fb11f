from django.urls import path

from apps.assets import import_views, views

app_name = "assets"

urlpatterns = [
    path("", views.asset_list, name="list"),
    path("import/", import_views.price_import, name="import"),
    path("import/<uuid:job_id>/", import_views.import_job, name="import-job"),
    path("<str:symbol>/", views.asset_detail, name="detail"),
]
