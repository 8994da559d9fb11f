"""Exogenous inputs offered to the scikit-learn forecaster: news sentiment, then on-chain activity.

Each input is offered horizon by horizon and kept only where the walk-forward backtest of the
scikit-learn model with it is clearly better than without it (``forecasting.input_effect``: relMAE
at least 1% lower and a paired t-statistic of at least 2, the bar a model must clear to replace
the random walk), "without" meaning with the inputs already kept for that horizon (on-chain activity is measured on top of sentiment where sentiment
was kept). Where an input is kept, the horizon's model selection is redone with it. The measured
effect (relMAE with and without, the number of forecasts, the days of data) or the reason it was
not offered is recorded per horizon in the model version's metrics under the input's name; the
horizons that use it are listed in ``parameters["<input>_horizons"]``.

Every series is lagged so that a forecast as of day t never sees data of day t or later (see
``news.sentiment_frame`` and ``apps.onchain.features``); the walk-forward engine then only passes
a model the rows up to its origin.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

from apps.assets.models import Asset
from apps.onchain import features as onchain_features
from apps.onchain.models import Token
from apps.predictions import forecasting, news

INPUTS = ("sentiment", "onchain")
MIN_SENTIMENT_DAYS = 250
MIN_ONCHAIN_DAYS = 250
Progress = Callable[[int, str], None]


def _sentiment_source(asset: Asset, start: date, end: date) -> tuple[pd.DataFrame | None, dict, dict]:
    """(frame or None, what every effect records, what the outcome records or the reason)."""
    frame, news_days = news.sentiment_frame(symbol=asset.id, start=start, end=end)
    if news_days < MIN_SENTIMENT_DAYS:
        reason = f"Not enough news: {news_days} day(s) with headlines, {MIN_SENTIMENT_DAYS} needed to backtest it."
        return None, {}, {"reason": reason}
    return frame, {"news_days": news_days}, {}


def _onchain_source(asset: Asset, start: date, end: date) -> tuple[pd.DataFrame | None, dict, dict]:
    token, reason = onchain_features.linked_token(asset.metadata)
    if token is None:
        return None, {}, {"reason": reason}
    described = onchain_features.describe(token)
    span = onchain_features.coverage(token)
    if span is not None:
        described |= {"first_day": span.first_day.isoformat(), "last_day": span.last_day.isoformat()}
    frame, days = onchain_features.daily_frame(token=token, start=start, end=end)
    if days < MIN_ONCHAIN_DAYS:
        reason = (
            f"Not enough on-chain history: {days} complete day(s) of {token.symbol or token.address} activity "
            f"ingested within the price history, {MIN_ONCHAIN_DAYS} needed to backtest it."
        )
        return None, {}, {"reason": reason, "token": described}
    return frame, {"onchain_days": days}, {"token": described}


SOURCES = {"sentiment": _sentiment_source, "onchain": _onchain_source}


def combine(frames: dict[str, pd.DataFrame], used: tuple[str, ...] | list[str]) -> pd.DataFrame | None:
    """The exogenous frame of the inputs ``used`` (None when there are none)."""
    parts = [frames[label] for label in used]
    return pd.concat(parts, axis=1) if parts else None


def kept_for(parameters: dict, horizon: str) -> tuple[str, ...]:
    """The inputs a version's selection for ``horizon`` was made (and is served) with, in offer order."""
    return tuple(label for label in INPUTS if horizon in (parameters or {}).get(f"{label}_horizons", []))


def offer_inputs(
    *,
    asset: Asset,
    prices: pd.Series,
    selections: dict,
    models: tuple[str, ...],
    level: float,
    options: dict,
    on_progress: Progress | None = None,
) -> dict[str, dict]:
    """Offer each input to the scikit-learn model (see the module); ``selections`` is updated in place.

    Returns, per input, ``{"kept": [horizons], "effect": {horizon: measured effect}, "reason":
    {"offered": False, "reason": ...}}`` (plus ``"token"`` for on-chain activity when an asset is
    linked); numbers may be numpy scalars or NaN (the caller makes them JSON-safe). Raises nothing for missing data: an input without enough data is not offered, and a
    horizon whose backtest fails records the error as its effect.
    """
    start, end = prices.index[0].date(), prices.index[-1].date()
    kept: dict[str, list[str]] = {name: [] for name in selections}
    frames: dict[str, pd.DataFrame] = {}
    baseline: dict[str, dict] = {}
    outcomes: dict[str, dict] = {}
    for step, label in enumerate(INPUTS):
        outcome = outcomes[label] = {"kept": [], "effect": {}, "reason": {"offered": False}}
        if on_progress:
            on_progress(85 + 5 * step, f"Testing {'news sentiment' if label == 'sentiment' else 'on-chain activity'}")
        if "sklearn" not in models:
            outcome["reason"]["reason"] = "The scikit-learn model, the one that takes inputs, was not a candidate."
            continue
        frame, recorded, about = SOURCES[label](asset, start, end)
        if "token" in about:
            outcome["token"] = about["token"]
        if frame is None:
            outcome["reason"]["reason"] = about["reason"]
            continue
        frames[label] = frame
        for name, selection in list(selections.items()):
            common = {"horizon": selection.horizon, "model": "sklearn", "level": level}
            common |= {"periods_per_year": asset.trading_days_per_year, **options}
            try:
                with_it = forecasting.evaluate(prices, exog=combine(frames, [*kept[name], label]), **common)
                without = baseline.get(name)
                if without is None:
                    without = forecasting.evaluate(prices, exog=combine(frames, kept[name]), **common)
                measured = forecasting.input_effect(without, with_it)
            except forecasting.ForecastingError as exc:
                outcome["effect"][name] = {"offered": True, "kept": False, "reason": str(exc)}
                continue
            baseline[name] = without
            better = measured["kept"]
            effect = {
                "offered": True,
                "kept": better,
                "rel_mae_with": measured["rel_mae_with"],
                "rel_mae_without": measured["rel_mae_without"],
                "t": measured["t"],
                "n_forecasts": with_it.metrics["n_forecasts"],
                **recorded,
            }
            if kept[name]:
                effect["on_top_of"] = list(kept[name])
            outcome["effect"][name] = effect
            if better:
                kept[name].append(label)
                baseline[name] = with_it
                outcome["kept"].append(name)
                selections[name] = forecasting.select_model(
                    prices,
                    horizon=selection.horizon,
                    candidates=models,
                    level=level,
                    exog=combine(frames, kept[name]),
                    periods_per_year=asset.trading_days_per_year,
                    **options,
                )
    return outcomes


def _onchain_frame_for(parameters: dict, start: date, end: date) -> pd.DataFrame:
    about = parameters.get("onchain_token") or {}
    token = Token.objects.filter(chain_id=about.get("chain_id"), address=about.get("address")).first()
    if token is None:
        # The token row is gone: its activity is missing, which the model handles as missing.
        return pd.DataFrame(
            float("nan"), index=pd.date_range(start, end, freq="D"), columns=list(onchain_features.COLUMNS)
        )
    return onchain_features.daily_frame(token=token, start=start, end=end)[0]


def frames_for(*, asset: Asset, parameters: dict, start: date, end: date) -> dict[str, pd.DataFrame]:
    """The frames of every input some horizon of a version uses, built from the database only.

    On-chain activity is read for the token the version was trained with (``onchain_token``).
    """
    used = {label for label in INPUTS if (parameters or {}).get(f"{label}_horizons")}
    frames = {}
    if "sentiment" in used:
        frames["sentiment"] = news.sentiment_frame(symbol=asset.id, start=start, end=end)[0]
    if "onchain" in used:
        frames["onchain"] = _onchain_frame_for(parameters, start, end)
    return frames
