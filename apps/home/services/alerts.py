"""Alerts: what a user asked to be told about. Creating, changing and deleting them; evaluation is
in ``apps/home/evaluation.py``.

Which fields an alert of each ``kind`` takes (field errors name the field otherwise):
- ``price_above``, ``price_below``: ``symbol`` and ``threshold`` (the price level).
- ``daily_move``: ``symbol`` and ``threshold`` (a percentage: |close / previous close - 1|).
- ``outside_forecast``, ``forecast_matured``: ``symbol``.
- ``portfolio_drift``: ``portfolio`` (one of the user's, optimised at least once) and ``threshold``
  (percentage points of the largest weight difference).
- ``large_transfer``: ``address`` (one of the user's tracked addresses) and ``threshold`` (token
  units; for a tracked token contract it defaults to the token's large-transfer threshold).
- ``job_finished``: nothing more.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import QuerySet

from apps.accounts import tiers
from apps.accounts.models import User
from apps.assets.models import Asset
from apps.home import evaluation
from apps.home.models import Alert, AlertKind, Channel
from apps.onchain.models import AddressKind, TrackedAddress
from apps.portfolios.models import Portfolio
from apps.portfolios.selectors import latest_run
from quantumvest.errors import NotFound, ValidationFailed

SYMBOL_KINDS = {
    AlertKind.PRICE_ABOVE,
    AlertKind.PRICE_BELOW,
    AlertKind.DAILY_MOVE,
    AlertKind.OUTSIDE_FORECAST,
    AlertKind.FORECAST_MATURED,
}
THRESHOLD_KINDS = {AlertKind.PRICE_ABOVE, AlertKind.PRICE_BELOW, AlertKind.DAILY_MOVE, AlertKind.PORTFOLIO_DRIFT}
MAX_PERCENT = Decimal(1000)


@dataclass
class AlertInput:
    kind: str
    symbol: str | None = None
    threshold: Decimal | str | None = None
    portfolio: object = None  # a Portfolio, its id, or None
    address: str | None = None
    channels: list[str] | tuple[str, ...] = (Channel.IN_APP,)
    active: bool = True


def alerts_for_user(user) -> QuerySet[Alert]:
    return Alert.objects.filter(user=user).select_related("asset", "portfolio", "tracked_address")


def _as_uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def get_alert_for_user(alert_id, user) -> Alert:
    """The user's alert; ``NotFound`` for a missing or malformed id or another user's."""
    key = _as_uuid(alert_id)
    alert = alerts_for_user(user).filter(pk=key).first() if key else None
    if alert is None:
        raise NotFound("No such alert.")
    return alert


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError("Enter a number, like 190.5.") from None
    if not number.is_finite():
        raise ValueError("Enter a number, like 190.5.")
    return number


def _validated(user, data: AlertInput) -> dict:
    """The model fields of an alert from ``data``; ``ValidationFailed`` with every field's reason."""
    errors: dict[str, list[str]] = {}
    fields: dict = {"kind": data.kind, "asset": None, "threshold": None, "portfolio": None, "tracked_address": None}
    if data.kind not in AlertKind.values:
        raise ValidationFailed(
            "Choose a kind of alert.", fields={"kind": [f"Use one of: {', '.join(AlertKind.values)}."]}
        )
    kind = AlertKind(data.kind)
    try:
        threshold = _decimal(data.threshold)
    except ValueError as exc:
        errors["threshold"] = [str(exc)]
        threshold = None
    if kind in SYMBOL_KINDS:
        symbol = (data.symbol or "").strip().upper()
        asset = Asset.objects.filter(pk=symbol).first() if symbol else None
        if not symbol:
            errors["symbol"] = ["Choose the asset this alert watches."]
        elif asset is None:
            errors["symbol"] = [f"No asset {symbol}."]
        fields["asset"] = asset
    if kind in THRESHOLD_KINDS and threshold is None and "threshold" not in errors:
        errors["threshold"] = [
            "Enter the level." if kind in (AlertKind.PRICE_ABOVE, AlertKind.PRICE_BELOW) else "Enter a percentage."
        ]
    if threshold is not None:
        if threshold <= 0:
            errors["threshold"] = ["Use a number above zero."]
        elif kind in (AlertKind.DAILY_MOVE, AlertKind.PORTFOLIO_DRIFT) and threshold > MAX_PERCENT:
            errors["threshold"] = ["Use at most 1000 (percent)."]
        elif threshold.as_tuple().exponent < -8 or threshold >= Decimal(10) ** 16:
            errors["threshold"] = ["Use at most 16 digits before and 8 after the decimal point."]
    if kind == AlertKind.PORTFOLIO_DRIFT:
        portfolio = data.portfolio
        if portfolio is not None and not isinstance(portfolio, Portfolio):
            key = _as_uuid(portfolio)
            portfolio = Portfolio.objects.filter(user=user, pk=key).first() if key else None
        if portfolio is None or portfolio.user_id != user.pk:
            errors["portfolio"] = ["Choose one of your portfolios."]
        elif latest_run(portfolio) is None or not latest_run(portfolio).weights:
            errors["portfolio"] = ["Optimise this portfolio first: drift is measured from its last optimisation."]
        fields["portfolio"] = portfolio
    if kind == AlertKind.LARGE_TRANSFER:
        address = (data.address or "").strip()
        tracked = TrackedAddress.objects.filter(owner=user, address__iexact=address).select_related("token").first()
        if tracked is None:
            errors["address"] = ["Choose one of your tracked addresses (track it on the on-chain page first)."]
        elif threshold is None and "threshold" not in errors:
            token = tracked.token if tracked.kind == AddressKind.TOKEN else None
            if token and token.large_transfer_threshold is not None and token.decimals is not None:
                threshold = Decimal(token.large_transfer_threshold) / (Decimal(10) ** token.decimals)
            else:
                errors["threshold"] = ["Enter the amount (in coin or token units) from which a transfer counts."]
        fields["tracked_address"] = tracked
    channels = list(dict.fromkeys(data.channels or []))
    if not channels or any(channel not in Channel.values for channel in channels):
        errors["channels"] = [f"Choose at least one of: {', '.join(Channel.values)}."]
    if errors:
        raise ValidationFailed("Check the alert's fields.", fields=errors)
    fields.update(threshold=threshold if kind != AlertKind.JOB_FINISHED else None, channels=channels)
    if kind in (AlertKind.OUTSIDE_FORECAST, AlertKind.FORECAST_MATURED):
        fields["threshold"] = None
    return fields


@transaction.atomic
def create_alert(
    *,
    user,
    kind: str,
    symbol: str | None = None,
    threshold=None,
    portfolio=None,
    address: str | None = None,
    channels=(Channel.IN_APP,),
    active: bool = True,
) -> Alert:
    """A new alert, armed from the current state (a price alert waits for the price to cross its
    level from where it is now). Raises ``ValidationFailed`` (per field) and ``TierLimitExceeded``
    (403 ``tier_limit``) when the user's plan has no room for another alert."""
    fields = _validated(user, AlertInput(kind, symbol, threshold, portfolio, address, channels, active))
    User.objects.select_for_update().filter(pk=user.pk).first()  # one create at a time per user
    tiers.check(user, "alerts", used=Alert.objects.filter(user=user).count())
    alert = Alert(user=user, active=bool(active), **fields)
    evaluation.arm(alert)
    alert.save()
    return alert


@transaction.atomic
def update_alert(*, alert: Alert, **changes) -> Alert:
    """Change an alert's fields (those not given keep their value); its crossing state starts again
    from the current price when what it watches changes."""
    current = AlertInput(
        kind=alert.kind,
        symbol=alert.asset_id,
        threshold=alert.threshold,
        portfolio=alert.portfolio,
        address=alert.tracked_address.address if alert.tracked_address else None,
        channels=alert.channels,
        active=alert.active,
    )
    for name, value in changes.items():
        if not hasattr(current, name):
            raise ValidationFailed(f"Unknown field {name}.", fields={name: ["Unknown field."]})
        setattr(current, name, value)
    fields = _validated(alert.user, current)
    watched_changed = any(getattr(alert, name) != value for name, value in fields.items() if name != "channels")
    for name, value in fields.items():
        setattr(alert, name, value)
    alert.active = bool(current.active)
    if watched_changed:
        alert.evaluated_through = None
        evaluation.arm(alert)
    alert.save()
    return alert


@transaction.atomic
def delete_alert(*, alert: Alert) -> None:
    alert.delete()
