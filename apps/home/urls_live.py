from django.urls import path

from apps.home.views import live

app_name = "live"

urlpatterns = [path("stream/", live.stream, name="stream")]
