"""The market-day tasks, run in-process for one replayed day, in the order of ``QV_MARKET_DAY_TASKS``.

Celery beat runs the same list nightly (quantumvest/settings.py). A task runs here through its
service where the replay must say something beat does not: which assets have forecasts due (every
N-th market day of each asset, marked replayed) and which assets got a bar today (the only ones
whose forecasts can mature today: scoring only those finds what a full scoring run would). Any
other task on the list (say, alert evaluation) runs as its Celery task in this process
(``Task.apply``, never through the broker), so adding it to the list once is enough.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from apps.assets.models import Asset
from apps.predictions import services as predictions
from apps.predictions.models import ModelVersion, Prediction
from quantumvest.errors import DomainError

logger = logging.getLogger(__name__)


class ReplayLeak(DomainError):
    """A replayed forecast would use data after its day: the replay stops rather than issue it."""

    code = "replay_leak"
    status_code = 409


@dataclass(frozen=True)
class MarketDay:
    day: date
    symbols: tuple[str, ...]  # assets with a bar on this day
    due: tuple[str, ...]  # assets whose forecasts are due on this day


def task_names() -> list[str]:
    return [task for _entry, task, _time in settings.QV_MARKET_DAY_TASKS]


def score(market_day: MarketDay) -> int:
    """Score what matured today: only an unscored forecast whose target date has come, of an asset
    with a bar today, can be (a bar on or after its target date now exists, and did not before)."""
    maturing = (
        Prediction.objects.unscored()
        .filter(asset_id__in=market_day.symbols, target_date__lte=market_day.day)
        .values_list("asset_id", flat=True)
        .distinct()
    )
    symbols = list(maturing)
    if not symbols:
        return 0
    with transaction.atomic():  # one commit for the day's scores, not one per forecast
        return predictions.score_matured_predictions(asset_ids=symbols)


def issue(market_day: MarketDay) -> int:
    """Forecasts for the assets due today, from the data up to today only; how many were issued.

    Raises ``ReplayLeak`` (and nothing of the day's forecasts is kept) when a forecast is not as of
    this day or its model version was trained on later prices. An asset that cannot be forecast
    (too little history) is skipped, as the nightly task does.
    """
    issued = 0
    with transaction.atomic():
        for asset in Asset.objects.active().filter(id__in=market_day.due).order_by("id"):
            try:
                made = predictions.generate_predictions(asset=asset, replayed=True)
            except DomainError as exc:
                logger.warning("replay %s: no forecasts for %s: %s", market_day.day, asset.id, exc.detail)
                continue
            versions = {prediction.model_version_id for prediction in made}
            trained_to = ModelVersion.objects.filter(pk__in=versions).aggregate(last=Max("training_end"))["last"]
            as_of = {prediction.as_of for prediction in made}
            if as_of != {market_day.day} or trained_to > market_day.day:
                raise ReplayLeak(
                    f"Forecasts for {asset.id} replayed on {market_day.day} are as of {', '.join(map(str, as_of))} "
                    f"from a model version trained on prices up to {trained_to}: they would see the future."
                )
            issued += len(made)
    return issued


def notarise(market_day: MarketDay) -> str | None:
    """The notarisation task, in-process, on the days something is pending (else it would find nothing)."""
    from apps.onchain.services import notary

    if not notary.pending_predictions().exists():
        return None
    return run_task("onchain.notarize_predictions")


def run_task(name: str):
    """Run a Celery task's body in this process (not through the broker); its exceptions propagate."""
    from quantumvest.celery import app

    app.loader.import_default_modules()  # the tasks modules, as a worker imports them (once)
    return app.tasks[name].apply(throw=True).result


IN_PROCESS: dict[str, Callable[[MarketDay], object]] = {
    "apps.predictions.tasks.score_matured": score,
    "apps.predictions.tasks.generate_nightly": issue,
    "onchain.notarize_predictions": notarise,
}


def run_market_day(market_day: MarketDay, *, timings: dict[str, float] | None = None) -> dict[str, object]:
    """Every market-day task for ``market_day``, in order; their results by task name."""
    results = {}
    for name in task_names():
        began = time.perf_counter()
        step = IN_PROCESS.get(name)
        results[name] = step(market_day) if step else run_task(name)
        if timings is not None:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - began
    return results
