"""Reads of forecasts shared by the pages, the API and the services."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404

from apps.assets.models import Asset
from apps.predictions import forecasting, scoring
from apps.predictions.models import ModelVersion, Prediction, PredictionJob, Timeframe, VersionStatus

TIMEFRAME_ORDER = [choice.value for choice in Timeframe]


def get_asset(symbol: str) -> Asset:
    """The asset with this symbol (any case), or ``Http404``."""
    asset = Asset.objects.filter(pk=(symbol or "").upper()).first()
    if asset is None:
        raise Http404(f"No asset with symbol {symbol!r}.")
    return asset


def serving_version(asset: Asset) -> ModelVersion | None:
    """The version forecasts are issued from: the newest approved one; when none is approved and
    ``QV_REQUIRE_APPROVED_MODEL`` is off, the newest candidate. Retired versions are never served."""
    versions = ModelVersion.objects.filter(asset=asset).order_by("-trained_at")
    approved = versions.filter(status=VersionStatus.APPROVED).first()
    if approved or settings.QV_REQUIRE_APPROVED_MODEL:
        return approved
    return versions.filter(status=VersionStatus.CANDIDATE).first()


def latest_predictions(asset: Asset) -> list[Prediction]:
    """The most recently issued set of forecasts for an asset (one per timeframe), shortest first."""
    newest = Prediction.objects.filter(asset=asset).order_by("-timestamp").first()
    if newest is None:
        return []
    batch = Prediction.objects.filter(asset=asset, as_of=newest.as_of, model_version_id=newest.model_version_id)
    return sorted(batch.select_related("model_version"), key=lambda prediction: prediction.horizon_periods)


def get_job_for_user(user, job_id) -> PredictionJob:
    """A user's own forecast job; anyone else's (or a malformed id) is ``Http404``."""
    job = (
        PredictionJob.objects.filter(pk=job_id, user=user).select_related("asset").first()
        if user.is_authenticated
        else None
    )
    if job is None:
        raise Http404("No such job.")
    return job


def predictions_queryset() -> QuerySet[Prediction]:
    return Prediction.objects.select_related("asset", "model_version")


def skill_in_words(summary: dict) -> str:
    """The backtested skill of a selection against the random walk, in one plain sentence."""
    metrics = summary.get("metrics") or {}
    count = metrics.get("n_forecasts")
    rel_mae = metrics.get("rel_mae")
    if not summary or rel_mae is None or not count:
        return "Not backtested: its skill against a random walk is unknown."
    if not summary.get("beats_random_walk") or rel_mae >= 1:
        return (
            f"No edge over a random walk: over {count} past forecasts no model beat "
            "\u201cthe price stays where it is\u201d, so that is what is shown."
        )
    return (
        f"Over {count} past forecasts this model's error was {round(100 * (1 - rel_mae))}% "
        "smaller than a random walk's (\u201cthe price stays where it is\u201d)."
    )


def skill_short(summary: dict) -> str:
    """``skill_in_words`` in a few words, for a table cell, with the number of forecasts it rests on."""
    metrics = summary.get("metrics") or {}
    rel_mae = metrics.get("rel_mae")
    count = metrics.get("n_forecasts")
    if not summary or rel_mae is None or not count:
        return "not backtested"
    if not summary.get("beats_random_walk") or rel_mae >= 1:
        return f"no edge over {count} backtest forecasts"
    return f"{round(100 * (1 - rel_mae))}% smaller error over {count} backtest forecasts"


MODEL_DESCRIPTIONS = {
    "naive": "random walk: the last price",
    "drift": "random walk with drift",
    "prophet": "Prophet trend model",
    "sklearn": "gradient boosting on lagged returns",
}


@dataclass(frozen=True)
class Coverage:
    """How often intervals held the realised price: ``inside`` of ``n`` forecasts (``rate``).

    ``source`` says where it was measured: "backtest" (the walk-forward test of the model version
    that served the horizon), "live" or "replayed" (matured forecasts of the asset and horizon).
    ``level`` is the nominal level the intervals promised.
    """

    source: str
    n: int
    rate: float | None
    level: float | None

    @property
    def inside(self) -> int | None:
        return None if self.rate is None else round(self.rate * self.n)


def backtest_coverage(summary: dict) -> Coverage | None:
    """The measured coverage of a horizon's selection (``ModelVersion.selection_summary``), or None
    when the horizon was not backtested."""
    metrics = summary.get("metrics") or {}
    count, rate = metrics.get("n_forecasts"), metrics.get("coverage")
    if not count or rate is None:
        return None
    return Coverage("backtest", int(count), float(rate), metrics.get("level"))


def realised_coverage(asset: Asset) -> dict[tuple[str, str], Coverage]:
    """Coverage of the asset's matured forecasts per (timeframe, "live" or "replayed"), in one query.

    Every scored forecast counts, whichever model version issued it; a pair without matured
    forecasts is absent.
    """
    rows = (
        Prediction.objects.filter(asset=asset)
        .scored()
        .values("timeframe", "replayed")
        .annotate(n=Count("id"), inside=Count("id", filter=Q(in_interval=True)), level=Avg("level"))
        .order_by()
    )
    return {
        (row["timeframe"], "replayed" if row["replayed"] else "live"): Coverage(
            "replayed" if row["replayed"] else "live", row["n"], row["inside"] / row["n"], float(row["level"])
        )
        for row in rows
    }


INPUT_NAMES = {"sentiment": "news sentiment", "onchain": "on-chain activity"}


def inputs_in_words(summary: dict) -> str:
    """What a horizon's selection did with each exogenous input, in a few words per input."""
    parts = []
    for key, label in INPUT_NAMES.items():
        effect = summary.get(key)
        if not effect:
            continue
        if not effect.get("offered"):
            parts.append(f"{label}: not offered")
        elif effect.get("rel_mae_with") is None or effect.get("rel_mae_without") is None:
            parts.append(f"{label}: not measured ({effect.get('reason', 'backtest failed')})")
        else:
            verdict = "kept" if effect.get("kept") else "dropped"
            parts.append(
                f"{label}: {verdict} (relMAE {effect['rel_mae_with']:.3f} with, {effect['rel_mae_without']:.3f} without)"
            )
    return "; ".join(parts) or "no inputs offered"


@dataclass(frozen=True)
class Summary:
    """Track-record figures for a set of matured predictions (see ``summarise``)."""

    count: int
    hit_rate: float | None
    base_rate_up: float | None
    coverage: float | None
    nominal_level: float | None
    mean_abs_pct_error: float | None
    naive_mean_abs_pct_error: float | None
    rel_mae: float | None
    brier: float | None
    brier_reference: float | None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def summarise(predictions: list[Prediction]) -> Summary:
    """Hit rate, base rate, coverage, errors and Brier score of scored predictions.

    The figures of the public track record (``apps.predictions.scoring``, where each is defined),
    named as this older summary names them: ``brier_reference`` is the Brier score of always
    stating the observed hit rate, h(1 − h) (the public record compares with the base rate of
    "up" instead).
    """
    figures = scoring.figures_of(
        scoring.ScoredForecast(
            p.as_of_price,
            p.predicted_price,
            p.confidence_lower,
            p.confidence_upper,
            p.realised_price,
            p.direction,
            p.confidence_score,
            p.target_date,
            p.level,
        )
        for p in predictions
        if p.is_scored
    )
    hit_rate = figures.hit_rate
    return Summary(
        count=figures.n,
        hit_rate=hit_rate,
        base_rate_up=figures.base_rate_up,
        coverage=figures.coverage,
        nominal_level=figures.nominal_level,
        mean_abs_pct_error=figures.mean_scaled_error,
        naive_mean_abs_pct_error=figures.mean_scaled_naive_error,
        rel_mae=figures.rel_mae,
        brier=figures.brier,
        brier_reference=None if hit_rate is None else hit_rate * (1 - hit_rate),
    )


def reliability(predictions: list[Prediction]) -> list[dict]:
    """Stated confidence against how often the direction was right, per tenth of probability.

    Rows: band, count, mean_confidence, hit_rate; bands without forecasts are left out.
    """
    scored = [prediction for prediction in predictions if prediction.is_scored]
    if not scored:
        return []
    table = forecasting.reliability_table(
        [float(p.confidence_score) for p in scored], [1.0 if p.direction_correct else 0.0 for p in scored]
    )
    return [
        {
            "band": f"{row.bin_lower:.1f}\u2013{row.bin_upper:.1f}",
            "count": int(row.n),
            "mean_confidence": float(row.mean_prob),
            "hit_rate": float(row.observed),
        }
        for row in table.itertuples()
    ]


def track_record(*, asset: Asset | None = None, recent: int = 50) -> dict:
    """Matured predictions (optionally of one asset) summarised overall and per timeframe.

    Returns ``{"overall": Summary, "by_timeframe": [(timeframe, Summary)], "reliability": rows,
    "recent": [Prediction], "pending": int}``; ``pending`` counts issued forecasts not yet matured.
    """
    base = Prediction.objects.all() if asset is None else Prediction.objects.filter(asset=asset)
    scored = list(base.scored().select_related("asset").order_by("-target_date", "asset_id", "horizon_periods"))
    by_timeframe = [
        (timeframe, summarise([p for p in scored if p.timeframe == timeframe])) for timeframe in TIMEFRAME_ORDER
    ]
    return {
        "overall": summarise(scored),
        "by_timeframe": by_timeframe,
        "reliability": reliability(scored),
        "recent": scored[:recent],
        "pending": base.unscored().count(),
    }
