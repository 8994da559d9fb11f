"""HTML face of forecasts: the asset page's forecast panel, job pages, the track record."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.assets.market import market_date
from apps.assets.models import AssetType
from apps.assets.selectors import close_series
from apps.onchain.services.verification import notarisations
from apps.predictions import news, selectors, services
from apps.predictions.models import PredictionJob
from apps.predictions.sentiment.heldout import measured_accuracy
from quantumvest import jobs
from quantumvest.errors import DomainError

HISTORY_BARS = 250
SENTIMENT_DAYS = 30


def _chart_data(asset, predictions, history) -> dict:
    fan = [
        {
            "date": p.target_date.isoformat(),
            "timeframe": p.timeframe,
            "point": float(p.predicted_price),
            "lower": float(p.confidence_lower),
            "upper": float(p.confidence_upper),
        }
        for p in predictions
    ]
    origin = (
        {"date": predictions[0].as_of.isoformat(), "price": float(predictions[0].as_of_price)} if predictions else None
    )
    return {
        "symbol": asset.id,
        "currency": asset.currency,
        "history": [[day.date().isoformat(), round(float(value), 8)] for day, value in history.items()],
        "origin": origin,
        "fan": fan,
        "level": float(predictions[0].level) if predictions else None,
    }


def _panel_row(prediction, realised: dict) -> dict:
    """One timeframe of the panel: the forecast, the model that served it, and what its interval
    and skill claims rest on (measured coverage with its n, backtested and matured)."""
    summary = prediction.model_version.selection_summary(prediction.timeframe)
    return {
        "prediction": prediction,
        "model": selectors.MODEL_DESCRIPTIONS.get(prediction.model_name, ""),
        "skill": selectors.skill_in_words(summary),
        "skill_short": selectors.skill_short(summary),
        "backtest": selectors.backtest_coverage(summary),
        "live": realised.get((prediction.timeframe, "live")),
        "replayed": realised.get((prediction.timeframe, "replayed")),
    }


def _panel_context(request: HttpRequest, asset, job: PredictionJob | None = None) -> dict:
    """The panel's context; ``job`` is the job to show in it (by default the user's unfinished one)."""
    predictions = selectors.latest_predictions(asset)
    history = close_series(asset.id).iloc[-HISTORY_BARS:]
    realised = selectors.realised_coverage(asset) if predictions else {}
    pending = job or (
        PredictionJob.objects.filter(user=request.user, asset=asset).exclude(state__in=jobs.FINISHED_STATES).first()
    )
    return {
        "asset": asset,
        "rows": [_panel_row(p, realised) for p in predictions],
        "version": predictions[0].model_version if predictions else None,
        # The asset's own market date: how old the forecast is counts from it, not from the clock.
        "last_price_date": history.index[-1].date() if len(history) else None,
        # In an attribute, not json_script: htmx drops <script> elements from swapped fragments.
        "chart_json": json.dumps(_chart_data(asset, predictions, history)),
        "notary": notarisations(predictions),
        "is_crypto": asset.type == AssetType.CRYPTO,
        "job": pending,
    }


@login_required
@require_GET
@vary_on_headers("HX-Request")
def forecast_panel(request: HttpRequest, symbol: str) -> HttpResponse:
    """The forecast panel: the fragment the asset page loads lazily, or a page of its own."""
    asset = selectors.get_asset(symbol)
    template = "predictions/forecast.html#panel" if request.htmx else "predictions/forecast.html"
    return render(request, template, _panel_context(request, asset))


@login_required
@require_POST
@vary_on_headers("HX-Request")
def request_forecast(request: HttpRequest, symbol: str) -> HttpResponse:
    asset = selectors.get_asset(symbol)
    try:
        job = services.request_predictions(asset=asset, by=request.user)
    except DomainError as exc:
        # 503 when the broker is down (the job is FAILED, the message says so), 422 for the rest.
        status = exc.status_code if exc.status_code == 503 else 422
        return render(request, "predictions/job.html#job", {"error": exc.detail, "asset": asset}, status=status)
    if request.htmx:
        return _job_fragment(request, job, in_panel=True)
    return redirect("predictions:job", job_id=job.pk)


def _job_fragment(request: HttpRequest, job: PredictionJob, *, in_panel: bool) -> HttpResponse:
    """The job's state; in the forecast panel, a job that has succeeded brings the whole panel with it,
    so that the forecast it made shows at once (never "Succeeded" above "No forecast yet")."""
    if in_panel and job.state == jobs.JobState.SUCCEEDED:
        response = render(request, "predictions/forecast.html#panel", _panel_context(request, job.asset, job=job))
        response["HX-Retarget"] = "#forecast-panel"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "predictions/job.html#job", {"job": job, "asset": job.asset, "in_panel": in_panel})


@login_required
@require_GET
@vary_on_headers("HX-Request")
def job_detail(request: HttpRequest, job_id) -> HttpResponse:
    job = selectors.get_job_for_user(request.user, job_id)
    if request.htmx:
        return _job_fragment(request, job, in_panel=request.GET.get("panel") == "1")
    return render(request, "predictions/job.html", {"job": job, "asset": job.asset})


@require_GET
def track_record(request: HttpRequest, symbol: str | None = None) -> HttpResponse:
    """Moved for good: the track record is public at /track-record/ (301, the query kept)."""
    target = resolve_url("track-record:asset", symbol) if symbol else resolve_url("track-record:index")
    query = request.META.get("QUERY_STRING", "")
    return redirect(f"{target}?{query}" if query else target, permanent=True)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def sentiment_panel(request: HttpRequest, symbol: str) -> HttpResponse:
    """News sentiment of an asset: daily mean headline score and the latest headlines."""
    asset = selectors.get_asset(symbol)
    until = market_date()  # "the last 30 days" of the data, not of the wall clock
    context = {
        "asset": asset,
        "window": SENTIMENT_DAYS,
        "until": until,
        "days": news.daily_sentiment(symbol=asset.pk, days=SENTIMENT_DAYS, until=until),
        "headlines": news.recent_news(symbol=asset.pk, limit=8),
        "scorer": measured_accuracy(),
    }
    template = "predictions/sentiment.html#panel" if request.htmx else "predictions/sentiment.html"
    return render(request, template, context)
