"""The watchlist: assets a user follows, with or without holding them."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from apps.accounts import tiers
from apps.assets.models import Asset
from apps.home.models import WatchlistEntry
from quantumvest.errors import NotFound, ValidationFailed


def watchlist_of(user) -> QuerySet[WatchlistEntry]:
    return WatchlistEntry.objects.filter(user=user).select_related("asset").order_by("asset_id")


def watched_symbols(user) -> set[str]:
    return set(WatchlistEntry.objects.filter(user=user).values_list("asset_id", flat=True))


def _asset(symbol: str) -> Asset:
    symbol = (symbol or "").strip().upper()
    if not symbol:
        raise ValidationFailed("Choose an asset.", fields={"symbol": ["This field is required."]})
    asset = Asset.objects.filter(pk=symbol).first()
    if asset is None:
        raise ValidationFailed(f"No asset {symbol}.", fields={"symbol": [f"No asset {symbol}."]})
    return asset


@transaction.atomic
def add_to_watchlist(*, user, symbol: str) -> tuple[WatchlistEntry, bool]:
    """Watch an asset; (the entry, whether it is new). Watching it again changes nothing. Raises
    ``ValidationFailed`` (field ``symbol``) for an unknown asset and ``TierLimitExceeded`` (403
    ``tier_limit``) when the user's plan has no room for another watched asset."""
    asset = _asset(symbol)
    existing = WatchlistEntry.objects.filter(user=user, asset=asset).first()
    if existing:
        return existing, False
    tiers.enforce(user, "watched_assets", WatchlistEntry.objects.filter(user=user))
    try:
        with transaction.atomic():
            return WatchlistEntry.objects.create(user=user, asset=asset), True
    except IntegrityError:  # the same user added it at the same moment
        return WatchlistEntry.objects.get(user=user, asset=asset), False


@transaction.atomic
def remove_from_watchlist(*, user, symbol: str) -> None:
    """Stop watching an asset. ``NotFound`` when it was not watched."""
    deleted, _ = WatchlistEntry.objects.filter(user=user, asset_id=(symbol or "").strip().upper()).delete()
    if not deleted:
        raise NotFound(f"{symbol} is not on your watchlist.")
