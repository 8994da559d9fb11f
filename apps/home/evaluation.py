"""Alert evaluation: the rules of each kind, run after the events that can trigger them and by a
nightly catch-up (also a market-day task, so the market replay triggers alerts like live data).

Every firing first records an ``AlertTrigger(alert, key)``, unique per alert and triggering event
(a bar date, a forecast, a transfer, a job), then notifies in the same transaction: evaluating the
same state again finds the key taken and notifies nobody. Each alert is evaluated under a row lock,
so two workers evaluating at once see one another's crossing state.

Rules (prices are closes as quoted; forecasts are compared on their own basis, the adjusted close
where the vendor gives one):
- ``price_above`` / ``price_below`` fire when a close crosses the level from the other side
  (strictly above / below it), then wait until a close is back at or on the other side of the
  level (re-armed) before they can fire again. An alert created while the price is already beyond
  its level waits for it to come back first: it reports crossings, not states.
- ``daily_move``: |close / previous close - 1| >= threshold %, once per bar date.
- ``outside_forecast``: a close outside the interval of the forecast in force that day: of the
  forecasts issued before the day whose target date has not passed, the latest issued, and of its
  horizons the nearest. Once per forecast.
- ``forecast_matured``: once per forecast of the asset scored after the alert was made, saying
  whether the price landed inside its interval.
- ``portfolio_drift``: the largest |current weight - weight of the last optimisation| in
  percentage points; fires on crossing the threshold, re-arms when back within it.
- ``large_transfer``: a stored transfer on the tracked address (for a token contract: of that
  token) at or above the threshold, in coin or token units; once per transfer, since the alert was made.
- ``job_finished``: a job of the user's ended (succeeded or failed); once per job.

Bars are read after ``evaluated_through`` in date order, at most ``BARS_PER_RUN`` of them (on the
first evaluation only the latest one), and ``evaluated_through`` then moves to the last one read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from itertools import pairwise

from django.apps import apps as django_apps
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.assets.models import PriceBar
from apps.home.models import Alert, AlertKind, AlertTrigger
from apps.home.services.notifications import notify
from apps.onchain.models import AddressKind, Transfer
from apps.portfolios.selectors import holdings, latest_run
from apps.predictions.models import Prediction
from quantumvest import formatting
from quantumvest.jobs import FINISHED_STATES, job_models

logger = logging.getLogger(__name__)

BARS_PER_RUN = 30
RECENT_LIMIT = 50
BAR_KINDS = (
    AlertKind.PRICE_ABOVE,
    AlertKind.PRICE_BELOW,
    AlertKind.DAILY_MOVE,
    AlertKind.OUTSIDE_FORECAST,
    AlertKind.PORTFOLIO_DRIFT,
)
HUNDRED = Decimal(100)


def _fmt(value: Decimal) -> str:
    return formatting.money(value)


def _pct(value: Decimal) -> str:
    """A move already in percent (5.14, not 0.0514) with its sign."""
    return formatting.signed_percent(value / HUNDRED)


# --- Arming at creation --------------------------------------------------------------------------


def arm(alert: Alert) -> None:
    """Set a new (or changed) alert's state from now: bar-driven kinds look only at bars after the
    latest one, and a crossing kind waits for the price (or drift) to be on the near side first."""
    alert.armed = True
    if alert.asset_id and alert.kind in BAR_KINDS:
        last = PriceBar.objects.filter(asset_id=alert.asset_id).order_by("-date").values_list("date", "close").first()
        if last:
            alert.evaluated_through = last[0]
            if alert.kind in (AlertKind.PRICE_ABOVE, AlertKind.PRICE_BELOW):
                alert.armed = not _beyond(alert, last[1])
    elif alert.kind == AlertKind.PORTFOLIO_DRIFT and alert.portfolio_id and alert.threshold:
        drift = _drift(alert)
        alert.armed = drift is None or drift[0] <= alert.threshold


def _beyond(alert: Alert, close: Decimal) -> bool:
    return close > alert.threshold if alert.kind == AlertKind.PRICE_ABOVE else close < alert.threshold


# --- Firing --------------------------------------------------------------------------------------


def _fire(alert: Alert, key: str, title: str, body: str = "", url: str = "") -> bool:
    """Record the trigger and notify, once per (alert, key). Whether it fired now."""
    try:
        with transaction.atomic():
            trigger = AlertTrigger.objects.create(alert=alert, key=key[:120])
    except IntegrityError:
        return False
    notify(
        user=alert.user,
        kind=alert.kind,
        title=title,
        body=body,
        url=url,
        channels=alert.channels,
        alert=alert,
        trigger=trigger,
    )
    Alert.objects.filter(pk=alert.pk).update(last_triggered_at=timezone.now())
    return True


def _locked(alert_id) -> Alert | None:
    return (
        Alert.objects.select_for_update(of=("self",))
        .select_related("user", "asset", "portfolio", "tracked_address", "tracked_address__token")
        .filter(pk=alert_id, active=True)
        .first()
    )


def _asset_url(alert: Alert) -> str:
    return reverse("assets:detail", args=[alert.asset_id]) if alert.asset_id else ""


# --- Bar-driven kinds ----------------------------------------------------------------------------


def _new_bars(alert: Alert) -> list[tuple[date, Decimal, Decimal | None]]:
    """(date, close, adjusted close) after ``evaluated_through``, oldest first, at most BARS_PER_RUN,
    with the bar before the first one prepended (daily moves need it)."""
    bars = PriceBar.objects.filter(asset_id=alert.asset_id).order_by("-date")
    if alert.evaluated_through is None:
        rows = list(bars.values_list("date", "close", "adj_close")[:2])
        rows.reverse()
        return rows
    newer = list(bars.filter(date__gt=alert.evaluated_through).values_list("date", "close", "adj_close")[:BARS_PER_RUN])
    if not newer:
        return []
    newer.reverse()
    before = bars.filter(date__lt=newer[0][0]).values_list("date", "close", "adj_close").first()
    return ([before] if before else []) + newer


def _evaluate_price(alert: Alert, bars) -> int:
    fired = 0
    start = 1 if len(bars) > 1 and (alert.evaluated_through is None or bars[0][0] <= alert.evaluated_through) else 0
    for day, close, _adjusted in bars[start:]:
        beyond = _beyond(alert, close)
        if alert.armed and beyond:
            word = "above" if alert.kind == AlertKind.PRICE_ABOVE else "below"
            title = f"{alert.asset_id} closed {word} {_fmt(alert.threshold)} at {_fmt(close)} on {day:%Y-%m-%d}"
            body = f"Your alert: {alert.get_kind_display().lower()} {_fmt(alert.threshold)}. It re-arms when the price crosses back."
            fired += _fire(alert, f"cross:{day.isoformat()}", title, body, _asset_url(alert))
            alert.armed = False
        elif not alert.armed and not beyond:
            alert.armed = True
    return fired


def _evaluate_move(alert: Alert, bars) -> int:
    fired = 0
    for (_, previous, _), (day, close, _) in pairwise(bars):
        if not previous:
            continue
        move = (close / previous - 1) * HUNDRED
        if abs(move) >= alert.threshold:
            title = f"{alert.asset_id} moved {_pct(move)} on {day:%Y-%m-%d} (close {_fmt(close)})"
            body = f"Your alert: a daily move of {formatting.quantity(alert.threshold)}% or more. Previous close {_fmt(previous)}."
            fired += _fire(alert, f"move:{day.isoformat()}", title, body, _asset_url(alert))
    return fired


def _in_force(alert: Alert, day: date) -> Prediction | None:
    return (
        Prediction.objects.filter(asset_id=alert.asset_id, as_of__lt=day, target_date__gte=day)
        .order_by("-as_of", "target_date")
        .first()
    )


def _evaluate_outside(alert: Alert, bars) -> int:
    fired = 0
    start = 1 if len(bars) > 1 and (alert.evaluated_through is None or bars[0][0] <= alert.evaluated_through) else 0
    for day, close, adjusted in bars[start:]:
        forecast = _in_force(alert, day)
        if forecast is None:
            continue
        price = adjusted if adjusted is not None else close
        if forecast.confidence_lower <= price <= forecast.confidence_upper:
            continue
        side = "above" if price > forecast.confidence_upper else "below"
        level = int(forecast.level * 100)
        title = (
            f"{alert.asset_id} at {_fmt(price)} on {day:%Y-%m-%d} is {side} its forecast's {level}% interval "
            f"({_fmt(forecast.confidence_lower)}–{_fmt(forecast.confidence_upper)})"
        )
        body = (
            f"Forecast as of {forecast.as_of:%Y-%m-%d} for {forecast.target_date:%Y-%m-%d} "
            f"({forecast.model_name}{', replayed' if forecast.replayed else ''}): {_fmt(forecast.predicted_price)}."
        )
        url = reverse("track-record:forecast", args=[forecast.pk])
        fired += _fire(alert, f"forecast:{forecast.pk}", title, body, url)
    return fired


def _drift(alert: Alert) -> tuple[Decimal, str] | None:
    """The largest weight difference from the last optimisation (percentage points) and its asset."""
    run = latest_run(alert.portfolio)
    if run is None or not run.weights:
        return None
    current = {p.asset.id: p.weight for p in holdings(alert.portfolio).positions if p.weight is not None}
    symbols = set(current) | set(run.weights)
    if not symbols:
        return None
    gaps = {
        symbol: abs(Decimal(current.get(symbol, 0)) - Decimal(str(run.weights.get(symbol, 0)))) * HUNDRED
        for symbol in symbols
    }
    symbol = max(sorted(gaps), key=gaps.get)  # the first in symbol order among equal gaps
    return gaps[symbol], symbol


def _evaluate_drift(alert: Alert, bars) -> int:
    drift = _drift(alert)
    if drift is None or not bars:
        return 0
    gap, symbol = drift
    day = bars[-1][0]
    if alert.armed and gap > alert.threshold:
        alert.armed = False
        run = latest_run(alert.portfolio)
        title = f"{alert.portfolio.name} drifted {formatting.number(gap, 1)} points from its optimisation ({symbol})"
        body = f"Your alert: drift beyond {formatting.quantity(alert.threshold)} percentage points. Prices of {day:%Y-%m-%d}."
        url = reverse("portfolios:detail", args=[alert.portfolio_id])
        return int(_fire(alert, f"drift:{run.pk}:{day.isoformat()}", title, body, url))
    if not alert.armed and gap <= alert.threshold:
        alert.armed = True
    return 0


def _bars_for(alert: Alert):
    if alert.kind == AlertKind.PORTFOLIO_DRIFT:
        symbols = list(alert.portfolio.lots.values_list("asset_id", flat=True).distinct())
        last = PriceBar.objects.filter(asset_id__in=symbols).order_by("-date").values_list("date", flat=True).first()
        if last is None or (alert.evaluated_through and last <= alert.evaluated_through):
            return []
        return [(last, None, None)]
    return _new_bars(alert)


RULES = {
    AlertKind.PRICE_ABOVE: _evaluate_price,
    AlertKind.PRICE_BELOW: _evaluate_price,
    AlertKind.DAILY_MOVE: _evaluate_move,
    AlertKind.OUTSIDE_FORECAST: _evaluate_outside,
    AlertKind.PORTFOLIO_DRIFT: _evaluate_drift,
}


def evaluate_bar_alert(alert_id) -> int:
    """Evaluate one price, move, forecast-interval or drift alert on its new bars; how many fired."""
    with transaction.atomic():
        alert = _locked(alert_id)
        if alert is None:
            return 0
        bars = _bars_for(alert)
        if not bars:
            return 0
        fired = RULES[alert.kind](alert, bars)
        alert.evaluated_through = bars[-1][0]
        Alert.objects.filter(pk=alert.pk).update(armed=alert.armed, evaluated_through=alert.evaluated_through)
        return fired


def after_bars(symbols: Iterable[str] | None = None) -> int:
    """Evaluate the bar-driven alerts of these assets (all when None); how many fired."""
    alerts = Alert.objects.filter(active=True, kind__in=BAR_KINDS)
    if symbols is not None:
        symbols = list(symbols)
        alerts = alerts.filter(asset_id__in=symbols) | Alert.objects.filter(
            active=True, kind=AlertKind.PORTFOLIO_DRIFT, portfolio__lots__asset_id__in=symbols
        )
    return sum(evaluate_bar_alert(pk) for pk in alerts.values_list("pk", flat=True).distinct().order_by("pk"))


# --- Forecasts matured ---------------------------------------------------------------------------


def _evaluate_matured(alert: Alert, prediction_ids: Iterable[str] | None) -> int:
    scored = Prediction.objects.filter(
        asset_id=alert.asset_id, scored_at__isnull=False, scored_at__gte=alert.created_at
    ).order_by("-scored_at")
    if prediction_ids is not None:
        scored = scored.filter(pk__in=list(prediction_ids))
    fired = 0
    for prediction in scored[:RECENT_LIMIT]:
        inside = "inside" if prediction.in_interval else "outside"
        title = (
            f"{alert.asset_id} forecast for {prediction.target_date:%Y-%m-%d} matured {inside} its interval: "
            f"{_fmt(prediction.realised_price)} vs {_fmt(prediction.predicted_price)}"
        )
        naive = prediction.naive_abs_error
        verdict = ""
        if naive is not None and prediction.abs_error is not None:
            verdict = (
                " Closer than the random walk." if prediction.abs_error < naive else " Not closer than the random walk."
            )
        body = (
            f"Interval {_fmt(prediction.confidence_lower)}–{_fmt(prediction.confidence_upper)} "
            f"({int(prediction.level * 100)}%), issued as of {prediction.as_of:%Y-%m-%d} by {prediction.model_name}"
            f"{' (replayed)' if prediction.replayed else ''}; error {_fmt(prediction.abs_error)}.{verdict}"
        )
        url = reverse("track-record:forecast", args=[prediction.pk])
        fired += _fire(alert, f"matured:{prediction.pk}", title, body, url)
    return fired


def after_scoring(prediction_ids: Iterable[str] | None = None) -> int:
    alerts = Alert.objects.filter(active=True, kind=AlertKind.FORECAST_MATURED)
    ids = list(prediction_ids) if prediction_ids is not None else None
    if ids is not None:
        alerts = alerts.filter(asset_id__in=Prediction.objects.filter(pk__in=ids).values("asset_id"))
    fired = 0
    for alert_id in alerts.values_list("pk", flat=True):
        with transaction.atomic():
            alert = _locked(alert_id)
            if alert is not None:
                fired += _evaluate_matured(alert, ids)
    return fired


# --- Transfers -----------------------------------------------------------------------------------


def _units(transfer: Transfer) -> Decimal:
    decimals = transfer.token.decimals if transfer.token_id else 18
    return Decimal(transfer.value) / (Decimal(10) ** (decimals or 0))


def _evaluate_transfers(alert: Alert) -> int:
    tracked = alert.tracked_address
    transfers = Transfer.objects.filter(chain_id=tracked.chain_id, timestamp__gte=alert.created_at).select_related(
        "token"
    )
    if tracked.kind == AddressKind.TOKEN:
        transfers = transfers.filter(token__address__iexact=tracked.address)
    else:
        transfers = transfers.filter(from_address__iexact=tracked.address) | transfers.filter(
            to_address__iexact=tracked.address
        )
    fired = 0
    for transfer in transfers.order_by("-block_number", "-log_index")[:RECENT_LIMIT]:
        amount = _units(transfer)
        if amount < alert.threshold:
            continue
        unit = transfer.token.symbol if transfer.token_id else "ETH"
        direction = "out of" if transfer.from_address.lower() == tracked.address.lower() else "into"
        title = f"Large transfer {direction} {tracked.label or tracked.address[:10]}: {formatting.quantity(amount, 4)} {unit}"
        body = f"Block {transfer.block_number}, transaction {transfer.tx_hash}. Your threshold: {formatting.quantity(alert.threshold)} {unit}."
        fired += _fire(alert, f"transfer:{transfer.pk}", title, body, reverse("onchain:index"))
    return fired


def after_chain_sync(chain_id: int | None = None) -> int:
    alerts = Alert.objects.filter(active=True, kind=AlertKind.LARGE_TRANSFER)
    if chain_id is not None:
        alerts = alerts.filter(tracked_address__chain_id=chain_id)
    fired = 0
    for alert_id in alerts.values_list("pk", flat=True):
        with transaction.atomic():
            alert = _locked(alert_id)
            if alert is not None and alert.tracked_address is not None:
                fired += _evaluate_transfers(alert)
    return fired


# --- Jobs ----------------------------------------------------------------------------------------


def _job_title(job, label: str) -> str:
    """ "Your optimisation run of Core holdings finished: …", "Your prediction job of AAPL failed: …"."""
    subject = getattr(job, "asset_id", None) or getattr(getattr(job, "portfolio", None), "name", None)
    what = f"{job._meta.verbose_name} of {subject}" if subject else job._meta.verbose_name
    if job.state == "succeeded":
        return (f"Your {what} finished: {job.message}" if job.message else f"Your {what} finished")[:200]
    return f"Your {what} failed: {job.error or job.message or 'no reason given'}"[:200]


def after_job(model: str | None = None, job_id: str | None = None) -> int:
    """Notify the owners of ended jobs who asked (``job_finished``); all recent ones when no job is named."""
    alerts = {
        a.user_id: a for a in Alert.objects.filter(active=True, kind=AlertKind.JOB_FINISHED).select_related("user")
    }
    if not alerts:
        return 0
    candidates = []
    if model and job_id:
        try:
            job_model = django_apps.get_model(model)
        except (LookupError, ValueError):
            return 0
        candidates = [(job_model._meta.label, job) for job in job_model._default_manager.filter(pk=job_id)]
    else:
        for job_model in job_models():
            rows = job_model._default_manager.filter(user_id__in=list(alerts), state__in=FINISHED_STATES)
            candidates += [(job_model._meta.label, job) for job in rows.order_by("-finished_at")[:RECENT_LIMIT]]
    fired = 0
    for label, job in candidates:
        alert = alerts.get(job.user_id)
        if (
            alert is None
            or job.state not in FINISHED_STATES
            or (job.finished_at and job.finished_at < alert.created_at)
        ):
            continue
        with transaction.atomic():
            fired += _fire(alert, f"job:{label}:{job.pk}", _job_title(job, label))
    return fired


def evaluate_all() -> int:
    """The catch-up: every active alert against the current state; how many fired."""
    return after_bars() + after_scoring() + after_chain_sync() + after_job()
