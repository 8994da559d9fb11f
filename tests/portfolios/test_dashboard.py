"""The dashboard summarises the user's own portfolios; users without any keep the empty state."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.assets.factories import AssetFactory, price_history
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
    assert "60.00 USD" in html and "50.00 USD" in html and "10.00 (20.00 %)" in html


def test_dashboard_keeps_the_empty_state_without_portfolios():
    html = _client(UserFactory()).get("/").content.decode()
    assert 'id="portfolio-summaries"' not in html and "empty-state" in html


def test_dashboard_query_count_does_not_grow_with_portfolios_and_lots():
    user = UserFactory()
    client = _client(user)
    counts = []
    for _ in range(2):
        for _ in range(5):
            portfolio = PortfolioFactory(user=user)
            for _ in range(4):
                LotFactory(portfolio=portfolio)
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
