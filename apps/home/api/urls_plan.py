from django.urls import path

from apps.home.api import plan

app_name = "plan-api"

urlpatterns = [path("", plan.PlanView.as_view(), name="detail")]
