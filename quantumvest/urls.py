from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from quantumvest import health

api_v1 = [
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.assets.api.urls")),
    path("", include("apps.portfolios.api.urls")),
    path("", include("apps.portfolios.api.shared_urls")),
    path("", include("apps.predictions.api.urls")),
    path("", include("apps.onchain.api.urls")),
    path("", include("apps.home.api.urls")),
    path("track-record/", include(("apps.predictions.api.track_record", "track-record-api"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("accounts/", include("apps.accounts.urls")),
    path("assets/", include("apps.assets.urls")),
    path("portfolios/", include("apps.portfolios.urls")),
    path("shared/", include("apps.portfolios.shared_urls")),
    path("predictions/", include("apps.predictions.urls")),
    path("onchain/", include("apps.onchain.urls")),
    path("track-record/", include("apps.predictions.public_urls")),
    path("replay/", include("apps.replay.urls")),
    path("", include("apps.home.urls")),
]

# Under /api/ these answer in the API's error shape; elsewhere Django's templates (403/404/500.html).
handler400 = "quantumvest.api.handler400"
handler403 = "quantumvest.api.handler403"
handler404 = "quantumvest.api.handler404"
handler500 = "quantumvest.api.handler500"
