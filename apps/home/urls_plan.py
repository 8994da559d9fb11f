from django.urls import path

from apps.home.views import plan

app_name = "plan"

urlpatterns = [path("", plan.index, name="index")]
