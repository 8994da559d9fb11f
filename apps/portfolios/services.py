"""Portfolio and holdings use cases. Every face (pages, API, admin) calls these.

Callers pass objects they obtained through ``apps.portfolios.selectors`` (which checks ownership);
these functions never take a portfolio id from user input, so a lot cannot be attached to another
user's portfolio.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts import tiers
from apps.assets.market import latest_bar_date, latest_bar_dates
from apps.assets.models import Asset
from apps.portfolios import holdings_csv, selectors
from apps.portfolios.models import Portfolio, PortfolioAsset, PortfolioShare
from quantumvest.errors import Conflict, NotFound, ValidationFailed

NAME_TAKEN = "You already have a portfolio with this name."


def _fields(exc: ValidationError) -> dict[str, list[str]]:
    return {("non_field_errors" if k == "__all__" else k): list(v) for k, v in exc.message_dict.items()}


def _check(obj, *, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        fields = _fields(exc)
        first = next(iter(fields.values()))[0]
        raise ValidationFailed(first, fields=fields) from exc


def _save_portfolio(portfolio: Portfolio) -> Portfolio:
    if Portfolio.objects.filter(user=portfolio.user, name__iexact=portfolio.name).exclude(pk=portfolio.pk).exists():
        raise Conflict(NAME_TAKEN, fields={"name": [NAME_TAKEN]}, code="name_taken")
    try:
        with transaction.atomic():
            portfolio.save()
    except IntegrityError as exc:  # a concurrent request took the name
        raise Conflict(NAME_TAKEN, fields={"name": [NAME_TAKEN]}, code="name_taken") from exc
    return portfolio


@transaction.atomic
def create_portfolio(*, user, name: str, base_currency: str = "USD") -> Portfolio:
    """A new empty portfolio. Raises ``ValidationFailed`` for a bad name or currency, ``Conflict``
    (field ``name``) when the user already has a portfolio of that name, whatever its case, and
    ``TierLimitExceeded`` (403 ``tier_limit``) when the user's plan has no room for another."""
    portfolio = Portfolio(user=user, name=(name or "").strip(), base_currency=(base_currency or "").strip().upper())
    _check(portfolio, exclude=["user"])
    tiers.enforce(user, "portfolios", Portfolio.objects.filter(user=user))
    return _save_portfolio(portfolio)


@transaction.atomic
def update_portfolio(*, portfolio: Portfolio, name: str | None = None, base_currency: str | None = None) -> Portfolio:
    """Rename and/or change the base currency; same errors as ``create_portfolio``."""
    if name is not None:
        portfolio.name = name.strip()
    if base_currency is not None:
        portfolio.base_currency = base_currency.strip().upper()
    _check(portfolio, exclude=["user"])
    return _save_portfolio(portfolio)


@transaction.atomic
def delete_portfolio(*, portfolio: Portfolio) -> None:
    """Delete the portfolio and its lots."""
    portfolio.delete()


def _asset(symbol: str) -> tuple[Asset | None, str | None]:
    symbol = (symbol or "").strip().upper()
    asset = Asset.objects.filter(pk=symbol).first() if symbol else None
    if asset is None:
        return None, f"Unknown symbol '{symbol[:20]}'." if symbol else "This field is required."
    return asset, None


def purchase_date_error(*, asset_id: str, purchase_date: date) -> str | None:
    """Why a purchase of the asset on that date cannot be valued (it is after the asset's last
    price), or None. An asset without prices yet has nothing to compare with: None."""
    last = latest_bar_date(asset_id)
    return PortfolioAsset.after_last_price(asset_id, last) if last is not None and purchase_date > last else None


def _validate_lot(lot: PortfolioAsset, symbol_error: str | None) -> None:
    """Every problem of the lot at once, as field errors; ``ValidationFailed`` when there is one."""
    fields: dict[str, list[str]] = {}
    if symbol_error:
        fields["symbol"] = [symbol_error]
    for name in ("quantity", "purchase_price"):
        value = getattr(lot, name)
        if value is not None and value <= 0:
            fields[name] = ["Must be greater than zero."]
    try:
        lot.full_clean(exclude=["asset", *fields], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in _fields(exc).items():
            fields.setdefault(name, []).extend(messages)
    if lot.asset_id and lot.purchase_date and "purchase_date" not in fields:
        error = purchase_date_error(asset_id=lot.asset_id, purchase_date=lot.purchase_date)
        if error:
            fields["purchase_date"] = [error]
    if fields:
        first = next(iter(fields.values()))[0]
        raise ValidationFailed(first, fields=fields)


@transaction.atomic
def add_lot(
    *, portfolio: Portfolio, symbol: str, quantity: Decimal, purchase_price: Decimal, purchase_date: date
) -> PortfolioAsset:
    """Record a purchase. Raises ``ValidationFailed`` with every field error at once: an unknown
    symbol, a non-positive quantity or price, too many digits, a purchase date in the future or
    after the asset's last price (it could not be valued; an asset without prices yet is allowed)."""
    asset, symbol_error = _asset(symbol)
    lot = PortfolioAsset(
        portfolio=portfolio,
        asset=asset,
        quantity=quantity,
        purchase_price=purchase_price,
        purchase_date=purchase_date,
    )
    _validate_lot(lot, symbol_error)
    lot.save()
    Portfolio.objects.filter(pk=portfolio.pk).update(updated_at=timezone.now())
    return lot


@transaction.atomic
def update_lot(
    *,
    lot: PortfolioAsset,
    symbol: str | None = None,
    quantity: Decimal | None = None,
    purchase_price: Decimal | None = None,
    purchase_date: date | None = None,
) -> PortfolioAsset:
    """Change the given fields of a lot (its portfolio never changes); same errors as ``add_lot``.

    The row is re-read under ``SELECT ... FOR UPDATE`` and only the given fields are written, so two
    concurrent updates of different fields both hold (no lost update). Returns the locked, updated
    lot; the ``lot`` passed in is left as it was. Raises ``NotFound`` when the lot was deleted meanwhile.
    """
    locked = PortfolioAsset.objects.select_for_update().select_related("asset").filter(pk=lot.pk).first()
    if locked is None:
        raise NotFound("This lot no longer exists.")
    changed: list[str] = []
    symbol_error = None
    if symbol is not None:
        asset, symbol_error = _asset(symbol)
        if asset is not None:
            locked.asset = asset
            changed.append("asset")
    for name, value in (("quantity", quantity), ("purchase_price", purchase_price), ("purchase_date", purchase_date)):
        if value is not None:
            setattr(locked, name, value)
            changed.append(name)
    _validate_lot(locked, symbol_error)
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
        Portfolio.objects.filter(pk=locked.portfolio_id).update(updated_at=timezone.now())
    return locked


@transaction.atomic
def delete_lot(*, lot: PortfolioAsset) -> None:
    portfolio_id = lot.portfolio_id
    lot.delete()
    Portfolio.objects.filter(pk=portfolio_id).update(updated_at=timezone.now())


def preview_holdings_import(*, text: str) -> holdings_csv.ParsedHoldings:
    """Parse and check a holdings CSV without writing anything: the same rules as ``add_lot``
    (a purchase date after the asset's last price is a row error naming that date)."""
    return holdings_csv.parse(
        text,
        known_symbols=selectors.existing_symbols,
        today=timezone.localdate(),
        last_price_dates=latest_bar_dates,
    )


@transaction.atomic
def import_holdings(*, portfolio: Portfolio, text: str) -> list[PortfolioAsset]:
    """Add every lot of the CSV, or none: any row error raises ``ValidationFailed`` whose ``fields``
    hold ``rows`` (a list of "line N, column: reason" messages) and nothing is written."""
    parsed = preview_holdings_import(text=text)
    if not parsed.ok:
        messages = [f"line {e.line}" + (f", {e.column}" if e.column else "") + f": {e.reason}" for e in parsed.errors]
        raise ValidationFailed(
            f"The file has {len(parsed.errors)} error(s); nothing was imported.",
            fields={"rows": messages},
            code="invalid_csv",
        )
    lots = [
        PortfolioAsset(
            portfolio=portfolio,
            asset_id=row.symbol,
            quantity=row.quantity,
            purchase_price=row.purchase_price,
            purchase_date=row.purchase_date,
        )
        for row in parsed.rows
    ]
    created = PortfolioAsset.objects.bulk_create(lots)
    Portfolio.objects.filter(pk=portfolio.pk).update(updated_at=timezone.now())
    return created


def export_holdings(*, portfolio: Portfolio) -> str:
    """The portfolio's lots as CSV text that ``import_holdings`` reads back; formula-safe."""
    rows = selectors.lots_of(portfolio).values_list("asset_id", "quantity", "purchase_price", "purchase_date")
    return holdings_csv.export(rows)


# --- Share links -----------------------------------------------------------------------------------

# Active links per portfolio: enough for one per audience, few enough that a script cannot mint
# an unbounded number of public pages.
MAX_ACTIVE_SHARES = 20
# 32 random bytes: 43 URL-safe characters, 256 bits that nobody guesses.
SHARE_TOKEN_BYTES = 32
SHARE_HINT_LENGTH = 6


def _check_owner(portfolio: Portfolio, by) -> None:
    # Another user is told "not found", exactly like every other face of a portfolio.
    if not getattr(by, "is_authenticated", False) or portfolio.user_id != by.pk:
        raise NotFound("No such portfolio.")


@transaction.atomic
def create_share(*, portfolio: Portfolio, by, include_quantities: bool = False) -> tuple[PortfolioShare, str]:
    """A new public read-only link to the portfolio's performance, for its owner ``by``.

    Returns the share and its token: the token is not stored (only its digest) and cannot be
    shown again. Raises ``NotFound`` when ``by`` does not own the portfolio and ``Conflict``
    (code ``too_many_shares``) when the portfolio already has ``MAX_ACTIVE_SHARES`` active links.
    """
    _check_owner(portfolio, by)
    # Lock the portfolio so that two concurrent requests cannot both pass the limit.
    Portfolio.objects.select_for_update().filter(pk=portfolio.pk).first()
    if PortfolioShare.objects.active().filter(portfolio=portfolio).count() >= MAX_ACTIVE_SHARES:
        message = f"This portfolio already has {MAX_ACTIVE_SHARES} active links; revoke one first."
        raise Conflict(message, code="too_many_shares")
    token = secrets.token_urlsafe(SHARE_TOKEN_BYTES)
    share = PortfolioShare.objects.create(
        portfolio=portfolio,
        token_hash=PortfolioShare.digest(token),
        token_hint=token[:SHARE_HINT_LENGTH],
        include_quantities=bool(include_quantities),
        created_by=by,
    )
    return share, token


@transaction.atomic
def revoke_share(*, share: PortfolioShare, by) -> PortfolioShare:
    """Revoke the link for good: from then on it answers 404, like a link that never existed.

    Idempotent (a revoked link keeps its first ``revoked_at``). Raises ``NotFound`` when ``by``
    does not own the link's portfolio.
    """
    _check_owner(share.portfolio, by)
    PortfolioShare.objects.filter(pk=share.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    share.refresh_from_db(fields=["revoked_at"])
    return share
