"""Asset list and detail pages: search, filters, sorting, sparklines, stats, constant query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.assets.models import AssetType
from tests.accounts.factories import UserFactory
from tests.assets.factories import AssetFactory, price_history
from tests.assets.real_data import load_ohlcv

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client):
    client.force_login(UserFactory())
    return client


def make_assets(count: int, offset: int = 0, days: int = 400) -> None:
    for n in range(count):
        asset = AssetFactory(id=f"A{offset + n:03d}", name=f"Asset {offset + n}")
        # Different growth rates so that sorting by return has a definite order.
        price_history(asset, [100 * (1 + 0.00001 * (offset + n)) ** day for day in range(days)], start=date(2020, 1, 1))


def symbols_in(response) -> list[str]:
    return [row[0].id for row in response.context["rows"]]


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("assets:list"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_list_searches_symbol_and_name_and_filters_by_type(browser):
    AssetFactory(id="AAPL", name="Apple Inc.")
    AssetFactory(id="BTC-USD", name="Bitcoin", type=AssetType.CRYPTO)
    AssetFactory(id="SPY", name="SPDR S&P 500 ETF", type=AssetType.ETF)

    assert symbols_in(browser.get(reverse("assets:list"), {"q": "apple"})) == ["AAPL"]
    assert symbols_in(browser.get(reverse("assets:list"), {"q": "spy"})) == ["SPY"]
    assert symbols_in(browser.get(reverse("assets:list"), {"type": "crypto"})) == ["BTC-USD"]
    assert symbols_in(browser.get(reverse("assets:list"), {"type": "bond"})) == ["AAPL", "BTC-USD", "SPY"]


def test_list_sorts_by_one_year_return_and_volatility(browser):
    make_assets(3)  # A002 grows fastest; A000 is flat (no volatility)
    AssetFactory(id="NODATA")

    assert symbols_in(browser.get(reverse("assets:list"), {"sort": "-return"})) == ["A002", "A001", "A000", "NODATA"]
    assert symbols_in(browser.get(reverse("assets:list"), {"sort": "return"})) == ["A000", "A001", "A002", "NODATA"]
    assert symbols_in(browser.get(reverse("assets:list"), {"sort": "volatility"}))[0] == "A000"


def test_list_rows_carry_an_inline_svg_sparkline(browser):
    make_assets(1)

    response = browser.get(reverse("assets:list"))

    html = response.content.decode()
    assert '<svg class="sparkline sparkline--gain"' in html
    assert "<polyline points=" in html
    assert "<script" not in html.split("<main")[1]  # the list needs no JavaScript of its own


def test_list_paginates(browser):
    make_assets(30, days=3)

    first = browser.get(reverse("assets:list"))
    second = browser.get(reverse("assets:list"), {"page": 2})

    assert len(symbols_in(first)) == 25 and symbols_in(second) == [f"A{n:03d}" for n in range(25, 30)]
    assert 'rel="next"' in first.content.decode()


def test_htmx_search_returns_only_the_results_fragment(browser):
    make_assets(2, days=3)

    response = browser.get(reverse("assets:list"), {"q": "A001"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="asset-results"')
    assert "<html" not in html and "A001" in html and "A000" not in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("sort", ["symbol", "-return"])
def test_list_query_count_does_not_grow_with_assets_or_bars(browser, sort):
    def count(total: int, offset: int, days: int) -> int:
        make_assets(total, offset, days)
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(reverse("assets:list"), {"sort": sort}).status_code == 200
        return len(queries)

    few = count(3, 0, 30)
    many = count(27, 100, 400)  # 30 assets, more bars each; every summary is rebuilt (cache generation)

    assert few == many


def test_detail_shows_stats_with_their_basis_and_the_chart_configuration(browser):
    load_ohlcv("yahoo_SPY_2008_2017.csv", "SPY")

    response = browser.get(reverse("assets:detail", args=["spy"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "2,519" in html or "2519" in html
    assert "252 trading days a year" in html
    assert "peak 2007-12-31, trough 2009-03-09" in html
    assert 'data-price-chart="price-chart-config"' in html
    assert reverse("assets-api:prices", args=["SPY"]) in html
    assert 'id="asset-panels"' in html
    assert "echarts-5.6.0.min.js" in html


def test_detail_states_the_crypto_basis(browser):
    price_history(AssetFactory(id="BTC-USD", type=AssetType.CRYPTO), [100, 110, 105, 120])

    html = browser.get(reverse("assets:detail", args=["BTC-USD"])).content.decode()

    assert "crypto trades every calendar day" in html and "√365" in html


def test_detail_of_an_unknown_symbol_is_404(browser):
    assert browser.get(reverse("assets:detail", args=["NOPE"])).status_code == 404


def test_detail_query_count_does_not_grow_with_bars(browser):
    def count(symbol: str, days: int) -> int:
        price_history(AssetFactory(id=symbol), [100 + day % 5 for day in range(days)])
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(reverse("assets:detail", args=[symbol])).status_code == 200
        return len(queries)

    assert count("SHORT", 10) == count("LONG", 3000)
