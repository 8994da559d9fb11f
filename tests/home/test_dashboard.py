"""The dashboard: the user's own portfolios, totals, chart data, movers, watchlist and feed, in a
constant number of queries; users without portfolios see the empty states."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.home import dashboard
from apps.portfolios.selectors import portfolio_summaries
from apps.predictions.models import PredictionJob
from quantumvest.jobs import JobState
from tests.assets.factories import AssetFactory, price_history
from tests.home.factories import NotificationFactory, WatchlistEntryFactory
from tests.portfolios.factories import LotFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_dashboard_lists_own_portfolios_with_value_and_cost():
    asset = AssetFactory(id="AAA")
    price_history(asset, [10, 12], start=date(2021, 1, 4))
    lot = LotFactory(portfolio__name="Mine", asset=asset, quantity=Decimal(5), purchase_price=Decimal(10))
    PortfolioFactory(name="Not mine")
    html = _client(lot.portfolio.user).get("/").content.decode()
    assert 'id="portfolio-summaries"' in html and "Mine" in html and "Not mine" not in html
    assert "60.00 USD" in html and "50.00 USD" in html and "+10.00 (+20.00%)" in html


def test_dashboard_keeps_the_empty_state_without_portfolios():
    html = _client(UserFactory()).get("/").content.decode()
    assert 'id="portfolio-summaries"' not in html and "empty-state" in html


def test_dashboard_query_count_does_not_grow_with_portfolios_lots_and_watched_assets():
    user = UserFactory()
    client = _client(user)
    counts = []
    for portfolios, lots, watched in ((1, 1, 1), (3, 5, 6)):
        for _ in range(portfolios):
            portfolio = PortfolioFactory(user=user)
            for _ in range(lots):
                asset = AssetFactory()
                price_history(asset, [10, 11, 12], start=date(2021, 1, 4))
                LotFactory(portfolio=portfolio, asset=asset, purchase_date=date(2021, 1, 4))
        for _ in range(watched):
            asset = AssetFactory()
            price_history(asset, [5, 6], start=date(2021, 1, 4))
            WatchlistEntryFactory(user=user, asset=asset)
        NotificationFactory(user=user)
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_net_worth_day_change_and_pl_agree_with_the_portfolio_figures():
    user = UserFactory()
    a, b = AssetFactory(id="AAA"), AssetFactory(id="BBB")
    price_history(a, [10, 12], start=date(2021, 1, 4))
    price_history(b, [20, 18], start=date(2021, 1, 4))
    LotFactory(
        portfolio__user=user, asset=a, quantity=Decimal(5), purchase_price=Decimal(10), purchase_date=date(2021, 1, 4)
    )
    LotFactory(
        portfolio__user=user, asset=b, quantity=Decimal(2), purchase_price=Decimal(20), purchase_date=date(2021, 1, 4)
    )
    board = dashboard.build(user)
    summaries = portfolio_summaries(user)
    assert board.net_worth == sum(s.market_value for s in summaries) == Decimal(96)
    assert board.day_change == Decimal(5) * 2 + Decimal(2) * -2  # each asset's last close against the one before
    assert board.pl == Decimal(96) - Decimal(90)
    assert board.chart["dates"] == ["2021-01-04", "2021-01-05"] and board.chart["value"] == [90.0, 96.0]


def test_movers_rank_held_and_watched_assets_by_the_size_of_the_day_move():
    user = UserFactory()
    held, watched, quiet = AssetFactory(id="HELD"), AssetFactory(id="WATCH"), AssetFactory(id="QUIET")
    price_history(held, [100, 103], start=date(2021, 1, 4))
    price_history(watched, [50, 40], start=date(2021, 1, 4))
    price_history(quiet, [10, 10.1], start=date(2021, 1, 4))
    LotFactory(portfolio__user=user, asset=held, purchase_date=date(2021, 1, 4))
    WatchlistEntryFactory(user=user, asset=watched)
    WatchlistEntryFactory(user=user, asset=quiet)
    assert [m.symbol for m in dashboard.build(user).movers] == ["WATCH", "HELD", "QUIET"]


def test_the_benchmark_line_is_the_same_purchases_in_spy_and_stops_with_its_prices():
    user = UserFactory()
    asset, spy = AssetFactory(id="AAA"), AssetFactory(id="SPY")
    price_history(asset, [10, 11, 12], start=date(2021, 1, 4))
    price_history(spy, [100, 110], start=date(2021, 1, 4))
    LotFactory(
        portfolio__user=user,
        asset=asset,
        quantity=Decimal(10),
        purchase_price=Decimal(10),
        purchase_date=date(2021, 1, 4),
    )
    chart = dashboard.build(user).chart
    assert chart["value"] == [100.0, 110.0, 120.0]
    assert chart["benchmark"] == [100.0, 110.0, None]  # 100 of cost bought 1 SPY; SPY has no third bar


def test_the_dashboard_shows_the_watchlist_and_the_latest_notifications_of_the_user_only():
    user = UserFactory()
    asset = AssetFactory(id="WAT")
    price_history(asset, [1, 2, 3], start=date(2021, 1, 4))
    WatchlistEntryFactory(user=user, asset=asset)
    NotificationFactory(user=user, title="Mine fired")
    NotificationFactory(title="Someone else's")
    html = _client(user).get("/").content.decode()
    assert "WAT" in html and "<polyline" in html
    assert "Mine fired" in html and "Someone else" not in html


def test_the_jobs_partial_polls_only_while_a_job_runs():
    user = UserFactory()
    client = _client(user)
    assert 'hx-trigger="every 2s"' not in client.get("/dashboard/jobs/").content.decode()
    PredictionJob.objects.create(
        user=user, asset=AssetFactory(), state=JobState.RUNNING, started_at=timezone.now(), progress=40
    )
    html = client.get("/dashboard/jobs/").content.decode()
    assert 'hx-trigger="every 2s"' in html and 'value="40"' in html
