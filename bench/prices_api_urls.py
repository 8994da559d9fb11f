"""The product's URLs plus a trivial JSON view, the benchmark's baseline (never part of the product)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from quantumvest.urls import urlpatterns as product_urlpatterns


@require_GET
def trivial(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/trivial/", trivial), *product_urlpatterns]
