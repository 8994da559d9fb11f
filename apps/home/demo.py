"""The demo account's home (``setup_dev``): an example portfolio bought at the real closes of its
purchase dates, a watchlist and a few alerts that the background market replay will trigger.
Made once: an account that already has a portfolio is left as it is."""

from __future__ import annotations

from decimal import Decimal

from apps.assets.models import PriceBar
from apps.home.models import AlertKind, Channel
from apps.home.services import alerts, watchlist
from apps.portfolios import services as portfolios
from apps.portfolios.models import Portfolio

PORTFOLIO = "Example holdings (demo)"
# (symbol, quantity, purchase date on or after which the first close is the price paid)
LOTS = [
    ("AAPL", Decimal(40), "2016-02-01"),
    ("WMT", Decimal(60), "2016-02-01"),
    ("JPM", Decimal(30), "2016-03-01"),
    ("XOM", Decimal(25), "2016-05-02"),
    ("SPY", Decimal(10), "2016-06-01"),
    ("BTC-USD", Decimal("0.75"), "2016-07-01"),
]
WATCHED = ["AMZN", "GOOG", "MA", "SBUX", "BTC-USD"]


def _first_close(symbol: str, on_or_after: str):
    return (
        PriceBar.objects.filter(asset_id=symbol, date__gte=on_or_after)
        .order_by("date")
        .values_list("date", "close")
        .first()
    )


def setup_home_demo(user, write=print) -> None:
    if Portfolio.objects.filter(user=user).exists():
        write("  the demo account already has portfolios: left as it is")
        return
    portfolio = portfolios.create_portfolio(user=user, name=PORTFOLIO)
    bought = []
    for symbol, quantity, day in LOTS:
        first = _first_close(symbol, day)
        if first is None:
            continue
        portfolios.add_lot(
            portfolio=portfolio, symbol=symbol, quantity=quantity, purchase_price=first[1], purchase_date=first[0]
        )
        bought.append(symbol)
    watched = [symbol for symbol in WATCHED if PriceBar.objects.filter(asset_id=symbol).exists()]
    for symbol in watched:
        watchlist.add_to_watchlist(user=user, symbol=symbol)
    made = 0
    for kind, symbol in ((AlertKind.DAILY_MOVE, "BTC-USD"), (AlertKind.OUTSIDE_FORECAST, "AAPL")):
        if PriceBar.objects.filter(asset_id=symbol).exists():
            threshold = Decimal(5) if kind == AlertKind.DAILY_MOVE else None
            alerts.create_alert(
                user=user, kind=kind, symbol=symbol, threshold=threshold, channels=[Channel.IN_APP, Channel.EMAIL]
            )
            made += 1
    last_spy = PriceBar.objects.filter(asset_id="SPY").order_by("-date").values_list("close", flat=True).first()
    if last_spy:
        level = (last_spy * Decimal("1.05")).quantize(Decimal(1))
        alerts.create_alert(
            user=user, kind=AlertKind.PRICE_ABOVE, symbol="SPY", threshold=level, channels=[Channel.IN_APP]
        )
        made += 1
    alerts.create_alert(user=user, kind=AlertKind.JOB_FINISHED, channels=[Channel.IN_APP])
    write(
        f"  {PORTFOLIO}: {len(bought)} lots ({', '.join(bought)}) at the real closes of their purchase dates; "
        f"watching {', '.join(watched)}; {made + 1} alerts (the market replay triggers them)"
    )
