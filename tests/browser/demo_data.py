"""The data the browser checks look at: what a demo account sees after a few weeks of use, built with
the product's own services (the demo's loader, the import, forecast, optimisation, share, alert,
notification, watchlist and on-chain services) from the real sample files of data/sample/.

The shipped files are cut to their last years (``load_demo`` reads a folder of files named like the
shipped ones), so that every demo asset has prices and the build takes seconds, not minutes.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.accounts import services as accounts
from apps.assets import services as assets
from apps.assets.demo import DEMO_FILES, SAMPLE_DIR
from apps.assets.models import Asset, PriceBar
from apps.home.models import AlertKind, Channel
from apps.home.services import alerts, notifications, watchlist
from apps.onchain.chain import checksum, get_chain
from apps.onchain.services.addresses import track_address
from apps.onchain.services.transactions import track_transaction
from apps.portfolios import optimization_services
from apps.portfolios import services as portfolios
from apps.predictions import services as predictions
from apps.predictions.models import Prediction

EMAIL = "browser@example.com"
PASSWORD = "correct-horse-battery-9"
# The cut: the last stretch of each shipped file (stocks end 2018-04-11, SPY 2017-12-29, BTC 2019-12-31).
SINCE = "2015-06-01"
MATURED_BY = "2018-01-01"
# (symbol, quantity, purchase date: the first close on or after it is the price paid), as the demo does.
LOTS = [
    ("AAPL", Decimal(40), "2016-02-01"),
    ("JPM", Decimal(30), "2016-03-01"),
    ("SPY", Decimal(10), "2016-06-01"),
    ("BTC-USD", Decimal("0.75"), "2016-07-01"),
]
WATCHED = ["AMZN", "SPY", "BTC-USD"]
FORECAST = ["AAPL", "SPY", "BTC-USD"]
# A stock, an ETF and a crypto asset: their pages are checked.
STOCK, ETF, CRYPTO = "AAPL", "SPY", "BTC-USD"
WALLET = checksum("0x" + "5a" * 20)


@dataclass
class Demo:
    """What the pages of the checks need to name: the user, and the ids in their URLs."""

    user: object
    email: str
    password: str
    ids: dict[str, object] = field(default_factory=dict)


def cut_sample_files(folder: Path, *, since: str, before: str = "9999") -> Path:
    """Copies of the shipped demo files holding only their rows dated from ``since`` to before ``before``."""
    folder.mkdir(parents=True, exist_ok=True)
    for demo in DEMO_FILES:
        with (
            (SAMPLE_DIR / demo.filename).open(newline="") as source,
            (folder / demo.filename).open("w", newline="") as target,
        ):
            rows = csv.reader(source)
            out = csv.writer(target)
            out.writerow(next(rows))
            out.writerows(row for row in rows if since <= row[0] < before)
    return folder


def first_close(symbol: str, on_or_after: str):
    return (
        PriceBar.objects.filter(asset_id=symbol, date__gte=on_or_after)
        .order_by("date")
        .values_list("date", "close")
        .first()
    )


def build(folder: Path) -> Demo:
    """The demo account and everything its pages show. ``folder`` takes the cut sample files."""
    # History up to the end of 2017 first: forecasts issued then mature when the rest is imported,
    # so that the public track record has scored forecasts to show.
    for report in assets.load_demo(directory=cut_sample_files(folder / "early", since=SINCE, before=MATURED_BY)):
        assert report.created > 0, report.summary()
    user = accounts.ensure_demo_user(email=EMAIL, password=PASSWORD)
    for symbol in FORECAST:
        predictions.generate_predictions(asset=Asset.objects.get(pk=symbol), by=user)
    late = cut_sample_files(folder / "late", since=MATURED_BY)
    for demo_file in DEMO_FILES:  # the rest of each file that goes on (SPY's ends in 2017)
        if len((late / demo_file.filename).read_text().splitlines()) > 1:
            assets.import_price_file(late / demo_file.filename, format=demo_file.format, symbol=demo_file.symbol)
    assert predictions.score_matured_predictions() > 0
    demo = Demo(user=user, email=EMAIL, password=PASSWORD)

    portfolio = portfolios.create_portfolio(user=user, name="Long-term holdings")
    for symbol, quantity, day in LOTS:
        bought_on, price = first_close(symbol, day)
        lot = portfolios.add_lot(
            portfolio=portfolio, symbol=symbol, quantity=quantity, purchase_price=price, purchase_date=bought_on
        )
    portfolios.create_portfolio(user=user, name="Empty watch portfolio")
    demo.ids |= {"portfolio_id": portfolio.pk, "lot_id": lot.pk}

    run, queued = optimization_services.request_optimization(
        portfolio=portfolio, user=user, request=optimization_services.build_request(objective="max_sharpe")
    )
    run.refresh_from_db()
    assert run.state == "succeeded", (run.state, run.error, queued)
    demo.ids["run_id"] = run.pk
    share, token = portfolios.create_share(portfolio=portfolio, by=user)
    demo.ids |= {"share_id": share.pk, "token": token}

    for symbol in FORECAST:
        predictions.generate_predictions(asset=Asset.objects.get(pk=symbol), by=user)
    job = predictions.request_predictions(asset=Asset.objects.get(pk="JPM"), by=user)
    job.refresh_from_db()
    demo.ids["job_id"] = job.pk
    forecast = Prediction.objects.scored().filter(asset_id=STOCK).order_by("horizon_periods").first()
    demo.ids["pk"] = forecast.pk

    # An analyst's upload: the header and last day of the shipped SPY file, already loaded (so unchanged).
    lines = (SAMPLE_DIR / "yahoo_SPY_2008_2017.csv").read_text().splitlines()
    upload = SimpleUploadedFile("spy-last-day.csv", f"{lines[0]}\n{lines[-1]}\n".encode())
    import_job = assets.queue_import_job(upload=upload, by=user, format="ohlcv", symbol="SPY")
    demo.ids["import_job_id"] = import_job.pk

    for symbol in WATCHED:
        watchlist.add_to_watchlist(user=user, symbol=symbol)
    alert = alerts.create_alert(
        user=user, kind=AlertKind.PRICE_ABOVE, symbol="SPY", threshold=Decimal(300), channels=[Channel.IN_APP]
    )
    alerts.create_alert(
        user=user, kind=AlertKind.DAILY_MOVE, symbol=CRYPTO, threshold=Decimal(5), channels=[Channel.IN_APP]
    )
    notification = notifications.notify(
        user=user,
        kind=AlertKind.PRICE_ABOVE,
        title="SPY closed above 260.00 at 266.86",
        body="Your alert on SPY (price rises above 260.00) was triggered on 2017-12-29.",
        url="/assets/SPY/",
        alert=alert,
    )
    demo.ids |= {"alert_id": alert.pk, "notification_id": notification.pk}

    chain = get_chain()
    address = track_address(owner=user, address=WALLET, label="Cold wallet")
    receipt = chain.send_value(WALLET, 1_250_000_000_000_000_000)
    tracked, _ = track_transaction(user=user, tx_hash=receipt.tx_hash)
    demo.ids |= {"address_id": address.pk, "transaction_id": tracked.pk}

    demo.ids["uidb64"] = urlsafe_base64_encode(force_bytes(user.pk))
    demo.ids["reset_token"] = default_token_generator.make_token(user)
    demo.ids["market_day"] = date(2017, 12, 29)
    return demo
