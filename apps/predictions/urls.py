from django.urls import path

from apps.predictions import views

app_name = "predictions"

urlpatterns = [
    path("assets/<str:symbol>/panel/", views.forecast_panel, name="panel"),
    path("assets/<str:symbol>/forecast/", views.request_forecast, name="request"),
    path("assets/<str:symbol>/sentiment/", views.sentiment_panel, name="sentiment-panel"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("track-record/", views.track_record, name="track-record"),
    path("track-record/<str:symbol>/", views.track_record, name="asset-track-record"),
]
