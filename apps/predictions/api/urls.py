from django.urls import path

from apps.predictions.api import news, views

app_name = "predictions-api"

urlpatterns = [
    path("predictions/", views.PredictionList.as_view(), name="prediction-list"),
    path("predictions/track-record/", views.TrackRecord.as_view(), name="track-record"),
    path("predictions/<uuid:pk>/", views.PredictionDetail.as_view(), name="prediction-detail"),
    path("assets/<str:symbol>/predictions/", views.RequestPredictions.as_view(), name="request"),
    path("assets/<str:symbol>/predictions/latest/", views.LatestPredictions.as_view(), name="latest"),
    path("jobs/predictions/<uuid:job_id>/", views.PredictionJobDetail.as_view(), name="job-detail"),
    path("models/", views.ModelVersionList.as_view(), name="model-list"),
    path("news/", news.NewsListView.as_view(), name="news-list"),
    path("news/import/", news.NewsImportView.as_view(), name="news-import"),
    path("assets/<str:symbol>/sentiment/", news.AssetSentimentView.as_view(), name="asset-sentiment"),
]
