"""Use cases of forecasting: train and review model versions, issue forecasts, score them.

Numbers come from ``apps.predictions.forecasting`` (plain numerical code); this module feeds it
from the database and stores what it returns. Issued predictions are never edited: scoring only
fills the empty scoring fields, with a conditional update, once.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts import tiers
from apps.assets.models import Asset, AssetType, PriceBar, quantize_price
from apps.assets.selectors import close_series
from apps.predictions import forecasting, inputs, registry
from apps.predictions.models import (
    BacktestRun,
    Direction,
    ModelVersion,
    Prediction,
    PredictionJob,
    Timeframe,
    VersionStatus,
)
from apps.predictions.selectors import serving_version
from quantumvest import events, jobs
from quantumvest.errors import Conflict, DomainError, ValidationFailed

logger = logging.getLogger(__name__)

DEFAULT_LEVEL = 0.8
KNOWN_MODELS = ("naive", "drift", "prophet", "sklearn")
Progress = Callable[[int, str], None]


class NoServableModel(DomainError):
    code = "no_approved_model"
    status_code = 409


def horizons_for(asset: Asset) -> dict[str, int]:
    """Trading days for exchange-traded assets, calendar days for crypto (which trades every day)."""
    return dict(forecasting.HORIZONS_CRYPTO if asset.type == AssetType.CRYPTO else forecasting.HORIZONS_STOCK)


def target_date_for(asset: Asset, as_of: date, periods: int) -> date:
    """The date a forecast ``periods`` ahead refers to.

    Crypto: calendar days. Others: business days (Mon–Fri); future exchange holidays are not known,
    so a target may fall on a holiday: scoring then uses the first bar on or after it.
    """
    if asset.type == AssetType.CRYPTO:
        return as_of + timedelta(days=periods)
    return pd.Timestamp(np.busday_offset(np.datetime64(as_of, "D"), periods, roll="forward")).date()


def _prices(asset: Asset) -> pd.Series:
    prices = close_series(asset.id)
    if prices.empty:
        raise ValidationFailed(f"{asset.id} has no prices yet; import prices before forecasting it.", code="no_prices")
    return prices


def _json_safe(value):
    """Metrics from numerical code (numpy scalars, NaN) as JSON: NaN and infinities become null."""
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _selection_summary(selection) -> dict:
    chosen = selection.metrics.get(selection.model, {})
    return _json_safe(
        {
            "model": selection.model,
            "horizon_periods": selection.horizon,
            "beats_random_walk": bool(selection.beats_random_walk),
            "metrics": chosen,
            "candidates": selection.metrics,
            "evidence": selection.evidence,
        }
    )


def _check_models(models: Iterable[str]) -> tuple[str, ...]:
    models = tuple(dict.fromkeys(name.strip() for name in models if name.strip()))
    unknown = [name for name in models if name not in forecasting.MODELS]
    if unknown or not models:
        raise ValidationFailed(
            f"Unknown model {', '.join(unknown) or '(none given)'}; choose from {', '.join(forecasting.MODELS)}.",
            fields={"models": [f"Choose from {', '.join(forecasting.MODELS)}."]},
        )
    return models


def train_model_version(
    *,
    asset: Asset,
    models: Iterable[str] = KNOWN_MODELS,
    origins: int | None = None,
    level: float = DEFAULT_LEVEL,
    on_progress: Progress | None = None,
) -> ModelVersion:
    """Select a model per horizon by walk-forward backtest and store it as a candidate version.

    The selection, per horizon, is saved in a joblib artifact (checksummed) and summarised in
    ``metrics``; news sentiment and the linked token's on-chain activity are offered to the
    scikit-learn model and kept per horizon only where they clearly lower its walk-forward error
    (``inputs.offer_inputs``), their measured effect recorded under ``metrics[h]["sentiment"]`` and
    ``metrics[h]["onchain"]``. Features are read from the database: the chain node is not needed.
    Raises ``ValidationFailed`` for unknown models or an asset without enough prices.
    """
    models = _check_models(models)
    prices = _prices(asset)
    horizons = horizons_for(asset)
    options = {} if origins is None else {"origins": int(origins)}
    selections, too_short = {}, {}
    for done, (name, periods) in enumerate(horizons.items()):
        if on_progress:
            on_progress(int(80 * done / len(horizons)), f"Backtesting models for {name}")
        try:
            selections[name] = forecasting.select_model(
                prices,
                horizon=periods,
                candidates=models,
                level=level,
                periods_per_year=asset.trading_days_per_year,
                **options,
            )
        except forecasting.InsufficientHistory as exc:
            # A young asset: the long horizons cannot be backtested yet. They are served by the
            # random walk (what ``forecast`` does without a selection) and say "not backtested".
            too_short[name] = str(exc)
        except ValueError as exc:
            raise ValidationFailed(f"Cannot train a model for {asset.id} ({name}): {exc}") from exc
    if not selections:
        raise ValidationFailed(
            f"Cannot train a model for {asset.id}: {next(iter(too_short.values()))}", code="not_enough_data"
        )
    offered = _json_safe(
        inputs.offer_inputs(
            asset=asset,
            prices=prices,
            selections=selections,
            models=models,
            level=level,
            options=options,
            on_progress=on_progress,
        )
    )
    sentiment, onchain = offered["sentiment"], offered["onchain"]

    version = ModelVersion(
        asset=asset,
        algorithm=models[0] if len(models) == 1 else "selection",
        parameters={
            "candidates": list(models),
            "origins": origins,
            "level": level,
            "horizons": horizons,
            # Horizons whose selection was made (and is served) with news sentiment as an input.
            "sentiment_horizons": sentiment["kept"],
            # Horizons served with the linked token's on-chain activity as an input, and that token.
            "onchain_horizons": onchain["kept"],
            "onchain_token": onchain.get("token"),
        },
        code_version=registry.code_version(),
        training_start=prices.index[0].date(),
        training_end=prices.index[-1].date(),
        metrics={
            name: _selection_summary(selections[name])
            | {
                "sentiment": sentiment["effect"].get(name, sentiment["reason"]),
                "onchain": onchain["effect"].get(name, onchain["reason"]),
            }
            if name in selections
            else {"model": "naive", "beats_random_walk": False, "metrics": {}, "not_backtested": too_short[name]}
            for name in horizons
        },
    )
    version.artifact = f"{asset.id}/{version.id}.joblib"
    version.checksum = registry.save_artifact(
        version.artifact,
        {
            "asset": asset.id,
            "horizons": horizons,
            "level": level,
            "selections": {name: selection.to_dict() for name, selection in selections.items()},
        },
    )
    version.full_clean()
    version.save()
    return version


def load_selections(version: ModelVersion) -> dict:
    """The stored per-horizon selections of a version, after its checksum is verified."""
    payload = registry.load_artifact(version.artifact, version.checksum)
    return {name: forecasting.Selection.from_dict(data) for name, data in payload["selections"].items()}


@transaction.atomic
def set_version_status(*, version: ModelVersion, status: str, by=None) -> ModelVersion:
    """Approve or retire a version. A retired version stays retired (train a new one instead).

    Raises ``Conflict`` when the change is not allowed from the current status.
    """
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if status not in (VersionStatus.APPROVED, VersionStatus.RETIRED):
        raise ValidationFailed(f"Unknown status {status!r}.", fields={"status": ["Use approved or retired."]})
    if version.status == VersionStatus.RETIRED:
        raise Conflict(f"{version} is retired and cannot change status; train a new version.")
    version.status = status
    version.status_changed_by = by
    version.status_changed_at = timezone.now()
    version.save(update_fields=["status", "status_changed_by", "status_changed_at"])
    return version


def _version_to_serve(asset: Asset) -> ModelVersion:
    version = serving_version(asset)
    if version is not None:
        return version
    if settings.QV_REQUIRE_APPROVED_MODEL:
        raise NoServableModel(f"No approved model version for {asset.id}: an analyst must approve one in the admin.")
    with transaction.atomic():
        # Two first requests at once (the nightly batch and a user) train one version, not two:
        # the second waits on the asset's row, then finds the first one's version.
        Asset.objects.select_for_update().filter(pk=asset.pk).first()
        version = serving_version(asset)
        if version is not None:
            return version
        logger.info("No model version for %s: training one with %s", asset.id, settings.QV_AUTOTRAIN_MODELS)
        return train_model_version(
            asset=asset, models=settings.QV_AUTOTRAIN_MODELS, origins=settings.QV_AUTOTRAIN_ORIGINS
        )


def _decimal(value: float) -> Decimal:
    return quantize_price(Decimal(repr(float(value))))


def generate_predictions(
    *, asset: Asset, by=None, on_progress: Progress | None = None, replayed: bool = False
) -> list[Prediction]:
    """Issue and store forecasts for all four timeframes from the asset's latest price.

    Uses the version ``serving_version`` picks (approved first; else, unless
    ``QV_REQUIRE_APPROVED_MODEL``, the newest candidate; else a candidate trained now). Idempotent:
    for the same last price date and version it returns the predictions already stored.
    ``replayed`` marks forecasts a market replay issues as of a past market date (``Prediction.replayed``);
    those are notarised by the replay's own market-day notarisation step, not on issue.
    Raises ``ValidationFailed`` (no prices), ``NoServableModel``, ``ArtifactError`` (checksum).
    """
    prices = _prices(asset)
    as_of = prices.index[-1].date()
    if on_progress:
        on_progress(5, "Choosing the model version")
    version = _version_to_serve(asset)
    horizons = horizons_for(asset)
    existing = list(Prediction.objects.filter(asset=asset, as_of=as_of, model_version=version))
    if len(existing) == len(horizons):
        return sorted(existing, key=lambda prediction: prediction.horizon_periods)

    if on_progress:
        on_progress(40, "Forecasting")
    selections = load_selections(version)
    level = float(version.parameters.get("level", DEFAULT_LEVEL))
    try:
        frames = inputs.frames_for(asset=asset, parameters=version.parameters, start=prices.index[0].date(), end=as_of)
        groups: dict[tuple[str, ...], dict[str, int]] = {}
        for name, periods in horizons.items():
            groups.setdefault(inputs.kept_for(version.parameters, name), {})[name] = periods
        forecasts = {}
        for used, group in groups.items():
            forecasts |= forecasting.forecast(
                prices, horizons=group, selections=selections, level=level, exog=inputs.combine(frames, used)
            )
    except forecasting.ForecastingError as exc:
        raise ValidationFailed(f"Cannot forecast {asset.id}: {exc}", code="not_enough_data") from exc
    as_of_price = _decimal(prices.iloc[-1])
    now = timezone.now()
    issued = []
    for name, periods in horizons.items():
        result = forecasts[name]
        prediction = Prediction(
            asset=asset,
            model_version=version,
            model_name=result.model,
            timestamp=now,
            timeframe=Timeframe(name),
            horizon_periods=periods,
            as_of=as_of,
            as_of_price=as_of_price,
            target_date=target_date_for(asset, as_of, periods),
            predicted_price=_decimal(result.point),
            confidence_lower=_decimal(result.lower),
            confidence_upper=_decimal(result.upper),
            level=Decimal(str(round(float(result.level), 3))),
            direction=Direction(result.direction),
            confidence_score=Decimal(str(round(float(result.confidence), 4))),
            requested_by=by,
            replayed=replayed,
        )
        prediction.full_clean(validate_unique=False, validate_constraints=False)
        issued.append(prediction)
    if on_progress:
        on_progress(90, "Storing")
    from apps.onchain.services import notary  # the chain's adapter loads only when forecasts are issued

    with transaction.atomic():
        # A concurrent request for the same data may have stored them first: keep those.
        Prediction.objects.bulk_create(issued, ignore_conflicts=True)
        # Notarised on chain after commit (embedded default) or by the nightly run (a replay's too).
        if not replayed:
            notary.notarize_after_issue()
    stored = Prediction.objects.filter(asset=asset, as_of=as_of, model_version=version)
    return sorted(stored, key=lambda prediction: prediction.horizon_periods)


def request_predictions(*, asset: Asset, by) -> PredictionJob:
    """Queue forecast generation for a user; an unfinished job of theirs for the asset is reused,
    unless it is past its deadline (that one is left to the sweeper and a new job starts).

    Raises ``ValidationFailed`` for an inactive asset or one without prices, ``TierLimitExceeded``
    (403 ``tier_limit``) past the plan's forecast jobs of the (UTC) day, ``ServiceUnavailable``
    (``broker_unavailable``) when the job cannot be queued; that job is then FAILED.
    """
    if not asset.is_active:
        raise ValidationFailed(f"{asset.id} is not active; it is not forecast.", code="asset_inactive")
    if not PriceBar.objects.filter(asset=asset).exists():
        raise ValidationFailed(f"{asset.id} has no prices yet; import prices before forecasting it.", code="no_prices")
    pending = jobs.unfinished(PredictionJob.objects.filter(user=by, asset=asset)).order_by("-created_at").first()
    if pending:
        return pending
    if by is not None:
        day_start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        with transaction.atomic():
            tiers.enforce(by, "forecast_jobs_per_day", PredictionJob.objects.filter(user=by, created_at__gte=day_start))
            job = PredictionJob.objects.create(user=by, asset=asset)
    else:
        job = PredictionJob.objects.create(user=by, asset=asset)
    from apps.predictions.tasks import run_prediction_job

    return jobs.submit(job, run_prediction_job)


def run_prediction_job(*, job: PredictionJob) -> None:
    """Run a queued job once: a second delivery of a finished job does nothing."""
    if not jobs.start(job):
        return
    with jobs.running(job):
        predictions = generate_predictions(
            asset=job.asset,
            by=job.user,
            on_progress=lambda percent, message: jobs.report_progress(job, percent, message),
        )
        first = predictions[0]
        jobs.succeed(
            job,
            {
                "prediction_ids": [str(prediction.pk) for prediction in predictions],
                "as_of": first.as_of.isoformat(),
                "model_version": str(first.model_version_id),
            },
            message=f"{len(predictions)} forecasts as of {first.as_of:%Y-%m-%d}",
        )


def _realised_values(asset_id: str, since: date) -> tuple[list[date], list[Decimal]]:
    """Bars from ``since`` on, with the same price basis forecasts use (adjusted close if given)."""
    rows = (
        PriceBar.objects.filter(asset_id=asset_id, date__gte=since)
        .order_by("date")
        .values_list("date", "close", "adj_close")
    )
    dates, values = [], []
    for day, close, adjusted in rows:
        dates.append(day)
        values.append(adjusted if adjusted is not None else close)
    return dates, values


def score_matured_predictions(*, asset_ids: Iterable[str] | None = None) -> int:
    """Score every unscored prediction whose target date (or a later day) has a price. Returns how many.

    Fills only the scoring fields, with an update conditional on ``realised_price IS NULL``, so an
    issued forecast never changes and a prediction is scored once even if two runs overlap.
    """
    pending = Prediction.objects.unscored()
    if asset_ids is not None:
        pending = pending.filter(asset_id__in=list(asset_ids))
    scored: list[str] = []
    for asset_id in pending.values_list("asset_id", flat=True).distinct().order_by("asset_id"):
        candidates = list(pending.filter(asset_id=asset_id).order_by("target_date"))
        dates, values = _realised_values(asset_id, candidates[0].target_date)
        now = timezone.now()
        for prediction in candidates:
            index = bisect.bisect_left(dates, prediction.target_date)
            if index == len(dates):
                break  # the rest are later still
            realised = values[index]
            moved_up = realised > prediction.as_of_price
            moved_down = realised < prediction.as_of_price
            updated = Prediction.objects.filter(pk=prediction.pk, realised_price__isnull=True).update(
                realised_price=realised,
                realised_at=dates[index],
                abs_error=abs(realised - prediction.predicted_price),
                naive_abs_error=abs(realised - prediction.as_of_price),
                in_interval=prediction.confidence_lower <= realised <= prediction.confidence_upper,
                direction_correct=moved_up if prediction.direction == Direction.UP else moved_down,
                scored_at=now,
            )
            if updated:
                scored.append(str(prediction.pk))
    if scored:
        events.publish("forecasts_scored", prediction_ids=scored)
    return len(scored)


def request_backtest(*, version: ModelVersion, by=None) -> BacktestRun:
    """Queue a fresh walk-forward backtest of a version's selected models on today's prices.
    Raises ``ServiceUnavailable`` (``broker_unavailable``) when it cannot be queued; the run is then FAILED."""
    run = BacktestRun.objects.create(user=by, model_version=version)
    from apps.predictions.tasks import run_backtest

    return jobs.submit(run, run_backtest)


def run_backtest(*, run: BacktestRun, origins: int | None = None) -> None:
    """Evaluate each horizon's selected model out of sample; the metrics land in ``run.result``."""
    if not jobs.start(run):
        return
    version = run.model_version
    with jobs.running(run):
        asset = version.asset
        prices = _prices(asset)
        horizons = horizons_for(asset)
        level = float(version.parameters.get("level", DEFAULT_LEVEL))
        origins = origins or version.parameters.get("origins") or 48
        frames = inputs.frames_for(
            asset=asset, parameters=version.parameters, start=prices.index[0].date(), end=prices.index[-1].date()
        )
        results = {}
        for done, (name, periods) in enumerate(horizons.items()):
            jobs.report_progress(run, int(100 * done / len(horizons)), f"Backtesting {name}")
            model = version.selection_summary(name).get("model")
            if not model:
                continue
            evaluation = forecasting.evaluate(
                prices,
                horizon=periods,
                model=model,
                origins=origins,
                level=level,
                exog=inputs.combine(frames, inputs.kept_for(version.parameters, name)),
                periods_per_year=asset.trading_days_per_year,
            )
            results[name] = {"model": model, **_json_safe(evaluation.metrics)}
        jobs.succeed(run, {"as_of": prices.index[-1].date().isoformat(), "horizons": results})
