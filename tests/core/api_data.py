"""Data owned by one user that exercises every API route on its positive path.

Used by the OPTIONS sweep and the schemathesis lane: a priced asset, a portfolio with a lot, an
optimisation run, a portfolio backtest, a share link of the portfolio, a forecast, a forecast job
and a tracked transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from apps.assets.models import Asset
from apps.home.models import Alert, Notification
from apps.onchain.models import TrackedAddress, TrackedTransaction
from apps.onchain.networks import IN_PROCESS_CHAIN_ID
from apps.portfolios.models import BacktestRun, OptimizationRun, Portfolio, PortfolioAsset, PortfolioShare
from apps.predictions.models import ModelVersion, Prediction, PredictionJob
from tests.assets.factories import AssetFactory, price_history
from tests.home.factories import AlertFactory, NotificationFactory
from tests.onchain.factories import TokenFactory, TrackedAddressFactory
from tests.portfolios.factories import (
    BacktestRunFactory,
    LotFactory,
    OptimizationRunFactory,
    PortfolioFactory,
    PortfolioShareFactory,
)

START = date(2020, 1, 1)
DAYS = 400


@dataclass
class OwnedData:
    asset: Asset
    portfolio: Portfolio
    lot: PortfolioAsset
    run: OptimizationRun
    backtest: BacktestRun
    prediction: Prediction
    job: PredictionJob
    transaction: TrackedTransaction
    share: PortfolioShare

    tracked: TrackedAddress
    tracked_token: TrackedAddress
    alert: Alert
    notification: Notification

    def url_kwargs(self) -> dict[str, object]:
        """A real value for every URL keyword of the API."""
        return {
            "symbol": self.asset.id,
            "portfolio_id": self.portfolio.id,
            "lot_id": self.lot.id,
            "run_id": self.run.id,
            "backtest_id": self.backtest.id,
            "pk": self.prediction.id,
            "job_id": self.job.id,
            "transaction_id": self.transaction.id,
            "address_id": self.tracked.id,
            "address": self.tracked_token.address,
            "share_id": self.share.id,
            "token": self.share.token,
            "alert_id": self.alert.id,
            "notification_id": self.notification.id,
            "kind": "price_above",
        }


def owned_data(user, *, symbol: str = "QVA") -> OwnedData:
    asset = AssetFactory(id=symbol)
    # A gently rising series with some noise, so that stats and optimisation have something to do.
    closes = [Decimal(100) + Decimal(day) / 4 + Decimal((day * 7) % 5) for day in range(DAYS)]
    price_history(asset, closes, start=START)
    benchmark = AssetFactory(id="SPY")
    price_history(benchmark, [Decimal(300) + Decimal(day) / 3 for day in range(DAYS)], start=START)
    portfolio = PortfolioFactory(user=user, name="Core")
    lot = LotFactory(portfolio=portfolio, asset=asset, purchase_date=START + timedelta(days=10))
    LotFactory(portfolio=portfolio, asset=benchmark, purchase_date=START + timedelta(days=20))
    version = ModelVersion.objects.create(
        asset=asset,
        algorithm="selection",
        code_version="test",
        training_start=START,
        training_end=START + timedelta(days=DAYS - 1),
        artifact=f"{asset.id}/none.joblib",
        checksum="0" * 64,
        metrics={},
    )
    last = START + timedelta(days=DAYS - 1)
    prediction = Prediction.objects.create(
        asset=asset,
        model_version=version,
        model_name="naive",
        timeframe="1d",
        horizon_periods=1,
        as_of=last - timedelta(days=1),
        as_of_price=Decimal(closes[-2]),
        target_date=last,
        predicted_price=Decimal(closes[-2]),
        confidence_lower=Decimal(closes[-2]) - 2,
        confidence_upper=Decimal(closes[-2]) + 2,
        direction="up",
        confidence_score=Decimal("0.55"),
        requested_by=user,
    )
    job = PredictionJob.objects.create(user=user, asset=asset, state="succeeded", progress=100)
    token = TokenFactory()
    return OwnedData(
        asset=asset,
        portfolio=portfolio,
        lot=lot,
        run=OptimizationRunFactory(portfolio=portfolio),
        backtest=BacktestRunFactory(portfolio=portfolio),
        prediction=prediction,
        job=job,
        # Final: reading it asks no chain node.
        transaction=TrackedTransaction.objects.create(
            owner=user, chain_id=IN_PROCESS_CHAIN_ID, tx_hash="0x" + "ab" * 32, status="not_found", final=True
        ),
        share=PortfolioShareFactory(portfolio=portfolio),
        tracked=TrackedAddressFactory(owner=user, label="Core wallet"),
        tracked_token=TrackedAddressFactory(owner=user, kind="token", address=token.address, token=token),
        alert=AlertFactory(user=user, kind="daily_move", asset=asset, threshold=Decimal(5)),
        notification=NotificationFactory(user=user, title="Core notification"),
    )
