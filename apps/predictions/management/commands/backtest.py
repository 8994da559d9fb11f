"""Walk-forward backtest of one asset at one horizon, from the prices in the database."""

from __future__ import annotations

import json
import math

from django.core.management.base import BaseCommand, CommandError

from apps.assets.models import Asset, AssetType
from apps.assets.selectors import close_series
from apps.predictions import forecasting
from apps.predictions.forecasting.calibration import CALIBRATIONS
from apps.predictions.forecasting.evaluation import (
    SELECTED,
    Evaluation,
    coverage_by_volatility,
    coverage_by_year,
    record_rows,
)
from apps.predictions.forecasting.volatility import VOL_MODELS


def _json_number(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _relative_in_words(rel_mae: float) -> str:
    if not math.isfinite(rel_mae):
        return "no comparison possible (the random walk made no error)"
    change = round(abs(1 - rel_mae) * 100)
    if change == 0:
        return "no better and no worse than a random walk"
    return f"{change}% {'better' if rel_mae < 1 else 'worse'} than a random walk"


class Command(BaseCommand):
    help = (
        "Walk-forward backtest: forecasts made at past dates from earlier prices only, scored against what "
        "happened and against the random walk. Without --model it evaluates what users get (the selection "
        "redone at every origin from earlier data). Origins do not overlap: they are max(horizon, 2 weeks) "
        "apart and end at the last date whose outcome is known."
    )

    def add_arguments(self, parser):
        parser.add_argument("--symbol", required=True, help="Asset symbol, e.g. AAPL.")
        parser.add_argument("--horizon", required=True, help="1d, 1w, 1m or 3m.")
        parser.add_argument("--model", help=f"One model ({', '.join(forecasting.MODELS)}); default: the selection.")
        parser.add_argument("--origins", type=int, default=48, help="Number of forecast origins scored (48).")
        parser.add_argument("--level", type=float, default=0.8, help="Central interval level (0.8).")
        parser.add_argument(
            "--candidates",
            default=",".join(forecasting.DEFAULT_CANDIDATES),
            help="Models the selection chooses from, comma-separated (default: all).",
        )
        parser.add_argument("--jobs", type=int, default=1, help="Processes fitting origins in parallel (1).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object with the metrics.")
        parser.add_argument(
            "--vol-model",
            default="blend",
            choices=VOL_MODELS,
            help="Volatility model that scales the intervals (blend, the one served; ewma; garch; gjr).",
        )
        parser.add_argument(
            "--calibration",
            default="pooled",
            choices=CALIBRATIONS,
            help="Intervals from all recent errors (pooled, served) or from those of origins in the same "
            "volatility tercile (volatility).",
        )
        parser.add_argument(
            "--records",
            metavar="FILE",
            help="Also write every scored forecast to FILE as CSV (origin, target, last, actual, point, lower, "
            "upper, model, vol_model), from which every metric can be recomputed.",
        )

    def handle(self, *args, **options):
        symbol = options["symbol"].strip().upper()
        asset = Asset.objects.filter(pk=symbol).first()
        if asset is None:
            raise CommandError(f"Unknown symbol {symbol!r}: no such asset.")
        crypto = asset.type == AssetType.CRYPTO
        horizons = forecasting.HORIZONS_CRYPTO if crypto else forecasting.HORIZONS_STOCK
        label = options["horizon"].strip().lower()
        if label not in horizons:
            raise CommandError(f"Unknown horizon {options['horizon']!r}; choose from {', '.join(horizons)}.")
        model = options["model"]
        candidates = tuple(name.strip() for name in options["candidates"].split(",") if name.strip())
        unknown = [name for name in (*candidates, model or "naive") if name not in forecasting.MODELS]
        if unknown:
            raise CommandError(f"Unknown model {unknown[0]!r}; choose from {', '.join(forecasting.MODELS)}.")
        prices = close_series(symbol)
        try:
            evaluation = forecasting.evaluate(
                prices,
                horizon=horizons[label],
                model=model,
                origins=options["origins"],
                level=options["level"],
                periods_per_year=asset.trading_days_per_year,
                candidates=candidates,
                n_jobs=max(1, options["jobs"]),
                vol_model=options["vol_model"],
                calibration=options["calibration"],
            )
        except forecasting.ForecastingError as exc:
            raise CommandError(f"{symbol} {label}: {exc}") from exc
        if options["records"]:
            try:
                record_rows(evaluation.records).to_csv(options["records"], index=False, float_format="%.10g")
            except OSError as exc:
                raise CommandError(f"Cannot write the records to {options['records']}: {exc.strerror}.") from exc
        by_volatility = coverage_by_volatility(evaluation.records)
        if options["json"]:
            payload = {"symbol": symbol, "horizon": label, "model": evaluation.model}
            payload.update({key: _json_number(evaluation.metrics[key]) for key in forecasting.METRIC_KEYS})
            payload["coverage_by_volatility"] = {name: part["coverage"] for name, part in by_volatility.items()}
            payload["coverage_by_volatility_detail"] = by_volatility
            payload["coverage_by_year"] = coverage_by_year(evaluation.records)
            payload["vol_model"] = options["vol_model"]
            payload["calibration"] = options["calibration"]
            self.stdout.write(json.dumps(payload))
        else:
            self._write_report(symbol, label, "days" if crypto else "trading days", evaluation, by_volatility)

    def _write_report(self, symbol: str, label: str, unit: str, evaluation: Evaluation, by_volatility: dict) -> None:
        m = evaluation.metrics
        records = evaluation.records
        what = "the selection users get" if evaluation.model == SELECTED else f"the {evaluation.model} model"
        served = ", ".join(f"{name} {count}" for name, count in evaluation.models_served.items())
        level = round(m["level"] * 100)
        lines = [
            f"Backtest of {symbol} at {label} ({evaluation.horizon} {unit} ahead): {what}.",
            f"{m['n_forecasts']} forecasts made {evaluation.step} {unit} apart, "
            f"{records['origin'].iloc[0].date()} to {records['origin'].iloc[-1].date()}; models served: {served}.",
            "",
            f"  Error        MAE {m['mae']:.4g} vs {m['naive_mae']:.4g} for the random walk (last price).",
            f"               relMAE {m['rel_mae']:.2f}: {_relative_in_words(m['rel_mae'])}.",
            f"               MASE {m['mase']:.2f}: the typical error in units of a typical one-day move.",
            f"  Interval     The {level}% interval held the outcome {m['coverage']:.0%} of the time "
            f"(mean width {m['mean_width']:.4g}).",
            f"               Winkler score {m['winkler']:.4g}, pinball loss {m['pinball']:.4g} (lower is better).",
            "               By volatility at the origin: "
            + ", ".join(
                f"{name} {part['coverage']:.0%} of {part['n']}"
                for name, part in by_volatility.items()
                if part["coverage"] is not None
            )
            + ".",
            f"  Direction    Right {m['directional_accuracy']:.0%} of the time; the price rose after "
            f"{m['base_rate_up']:.0%} of the origins (base rate).",
            f"               Brier score of the confidence {m['brier']:.3f} vs {evaluation.brier_base_rate:.3f} "
            "for always stating the recent up-move rate (lower is better).",
            "",
            "  Reliability of the confidence (stated probability that the direction is right vs how often it was):",
        ]
        for row in evaluation.reliability.itertuples():
            lines.append(
                f"    stated {row.bin_lower:.0%}-{row.bin_upper:.0%}: {row.n:>4} forecasts, "
                f"mean stated {row.mean_prob:.0%}, right {row.observed:.0%}"
            )
        self.stdout.write("\n".join(lines))
