"""Read API: assets, prices (daily and resampled), stats; errors in the one shape; caching."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.assets import analytics
from apps.assets.cache import invalidate_price_cache
from apps.assets.models import AssetType, PriceBar
from apps.assets.selectors import close_series
from tests.accounts.factories import UserFactory
from tests.assets.factories import AssetFactory, PriceBarFactory, price_history
from tests.assets.real_data import data_file, load_ohlcv

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    client.force_login(UserFactory())
    return client


def prices_url(symbol: str, **query) -> str:
    url = reverse("assets-api:prices", args=[symbol])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


@pytest.mark.parametrize(
    "url",
    [
        reverse("assets-api:list"),
        reverse("assets-api:detail", args=["SPY"]),
        prices_url("SPY"),
        reverse("assets-api:stats", args=["SPY"]),
    ],
)
def test_anonymous_requests_get_401_in_the_error_shape(client, url):
    AssetFactory(id="SPY")

    response = client.get(url)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert set(response.json()) == {"detail", "code", "fields"}


def test_list_filters_by_type_searches_and_orders(api):
    AssetFactory(id="AAPL", name="Apple Inc.")
    AssetFactory(id="MSFT", name="Microsoft")
    AssetFactory(id="BTC-USD", name="Bitcoin", type=AssetType.CRYPTO)
    AssetFactory(id="OLD", name="Delisted apple grower", is_active=False)

    def symbols(**query):
        response = api.get(reverse("assets-api:list"), query)
        assert response.status_code == 200
        return [row["symbol"] for row in response.json()["results"]]

    assert symbols() == ["AAPL", "BTC-USD", "MSFT"]
    assert symbols(type="crypto") == ["BTC-USD"]
    assert symbols(search="apple") == ["AAPL"]
    assert symbols(search="btc") == ["BTC-USD"]
    assert symbols(ordering="-symbol") == ["MSFT", "BTC-USD", "AAPL"]
    assert symbols(ordering="name") == ["AAPL", "BTC-USD", "MSFT"]
    page = api.get(reverse("assets-api:list"), {"page_size": 2, "page": 2}).json()
    assert page["count"] == 3 and [row["symbol"] for row in page["results"]] == ["MSFT"]


@pytest.mark.parametrize(("query", "field"), [({"type": "bond"}, "type"), ({"ordering": "volume"}, "ordering")])
def test_list_rejects_unknown_filter_values_naming_the_field(api, query, field):
    response = api.get(reverse("assets-api:list"), query)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_list_query_count_does_not_grow_with_assets(api):
    def count_queries(total: int) -> int:
        for _ in range(total):
            PriceBarFactory(asset=AssetFactory())
        with CaptureQueriesContext(connection) as queries:
            assert api.get(reverse("assets-api:list")).status_code == 200
        return len(queries)

    assert count_queries(3) == count_queries(27)


def test_detail_gives_the_coverage_of_the_bars(api):
    asset = AssetFactory(id="SPY", name="SPDR S&P 500", type=AssetType.ETF)
    price_history(asset, [1, 2, 3], start=date(2020, 1, 1))

    body = api.get(reverse("assets-api:detail", args=["spy"])).json()

    assert body["symbol"] == "SPY" and body["type"] == "etf"
    assert (body["first_date"], body["last_date"], body["bar_count"]) == ("2020-01-01", "2020-01-03", 3)


@pytest.mark.parametrize("name", ["assets-api:detail", "assets-api:prices", "assets-api:stats"])
def test_unknown_symbol_is_404_in_the_error_shape(api, name):
    response = api.get(reverse(name, args=["NOPE"]))

    assert response.status_code == 404
    assert response.json() == {"detail": response.json()["detail"], "code": "not_found", "fields": {}}


@pytest.fixture(params=["postgresql", "portable"])
def vendor(request, monkeypatch):
    """Run a test on PostgreSQL's JSON-writing path and on the portable one used with SQLite."""
    if request.param == "portable":
        monkeypatch.setattr(connection, "vendor", "sqlite")
    return request.param


def test_prices_are_exactly_the_imported_bars_in_date_order(api, vendor):
    load_ohlcv("yahoo_SPY_2008_2017.csv", "SPY")
    raw = pd.read_csv(data_file("yahoo_SPY_2008_2017.csv"), dtype=str)

    response = api.get(prices_url("SPY"))

    assert response.status_code == 200
    body = json.loads(response.content, parse_float=Decimal, parse_int=Decimal)
    assert body["columns"] == ["date", "open", "high", "low", "close", "adj_close", "volume"]
    assert (body["interval"], body["start"], body["end"]) == ("1d", "2007-12-31", "2017-12-29")
    expected = [
        [day, Decimal(o), Decimal(h), Decimal(lo), Decimal(c), Decimal(adj), Decimal(v)]
        for day, o, h, lo, c, adj, v in raw.itertuples(index=False)
    ]
    assert body["data"] == expected


def test_prices_honour_start_and_end(api, vendor):
    asset = AssetFactory(id="X")
    price_history(asset, range(1, 11), start=date(2021, 1, 1))

    body = api.get(prices_url("X", start="2021-01-03", end="2021-01-05")).json()

    assert [row[0] for row in body["data"]] == ["2021-01-03", "2021-01-04", "2021-01-05"]
    assert [row[4] for row in body["data"]] == [3, 4, 5]


@pytest.mark.parametrize(("interval", "rule"), [("1w", "W-MON"), ("1mo", "MS")])
def test_resampled_prices_match_pandas_resampling(api, vendor, interval, rule):
    frame = load_ohlcv("yahoo_SPY_2008_2017.csv", "SPY")
    aggregation = {"open": "first", "high": "max", "low": "min", "close": "last", "adj close": "last", "volume": "sum"}
    # ISO weeks dated by their Monday; calendar months dated by their first day.
    expected = frame.resample(rule, closed="left", label="left").agg(aggregation).dropna(subset=["close"])

    body = api.get(prices_url("SPY", interval=interval)).json()

    result = pd.DataFrame(body["data"], columns=body["columns"]).set_index("date")
    assert list(result.index) == [day.date().isoformat() for day in expected.index]
    pd.testing.assert_frame_equal(
        result[["open", "high", "low", "close", "adj_close", "volume"]].astype(float).reset_index(drop=True),
        expected.astype(float).rename(columns={"adj close": "adj_close"}).reset_index(drop=True),
        atol=5e-9,
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"interval": "2d"}, "interval"),
        ({"start": "2020-13-01"}, "start"),
        ({"end": "yesterday"}, "end"),
        ({"start": "2021-01-02", "end": "2021-01-01"}, "end"),
    ],
)
def test_prices_reject_bad_query_parameters_naming_the_field(api, query, field):
    AssetFactory(id="X")

    response = api.get(prices_url("X", **query))

    assert response.status_code == 400
    assert response.json()["code"].startswith("invalid")
    assert list(response.json()["fields"]) == [field]


def test_prices_are_served_from_the_cache_until_an_import_invalidates_them(api):
    asset = AssetFactory(id="X")
    price_history(asset, [1, 2, 3], start=date(2021, 1, 1))
    first = api.get(prices_url("X")).content
    PriceBarFactory(asset=asset, date=date(2021, 1, 4), close=Decimal(4))

    with CaptureQueriesContext(connection) as queries:
        cached = api.get(prices_url("X")).content
    assert cached == first  # the new bar is not visible: the response came from the cache
    assert not any("assets_pricebar" in query["sql"] for query in queries)

    invalidate_price_cache(["X"])

    assert [row[0] for row in api.get(prices_url("X")).json()["data"]][-1] == "2021-01-04"


def test_cache_invalidation_is_per_symbol(api):
    for symbol in ("A", "B"):
        price_history(AssetFactory(id=symbol), [1, 2], start=date(2021, 1, 1))
        api.get(prices_url(symbol))
    for symbol in ("A", "B"):
        PriceBarFactory(asset_id=symbol, date=date(2021, 1, 3), close=Decimal(3))

    invalidate_price_cache(["A"])

    assert len(api.get(prices_url("A")).json()["data"]) == 3
    assert len(api.get(prices_url("B")).json()["data"]) == 2


def test_stats_are_the_analytics_of_the_adjusted_closes(api):
    asset = AssetFactory(id="BTC-USD", type=AssetType.CRYPTO)
    price_history(asset, [100, 120, 90, 110, 130, 125], start=date(2021, 12, 28))
    expected = analytics.compute_stats(close_series("BTC-USD"), periods_per_year=365)

    body = api.get(reverse("assets-api:stats", args=["BTC-USD"])).json()

    assert body["periods_per_year"] == 365
    assert body["volatility"] == pytest.approx(expected.volatility)
    assert body["cagr"] == pytest.approx(expected.cagr)
    assert body["returns"]["1d"] == pytest.approx(125 / 130 - 1)
    assert body["returns"]["ytd"] == pytest.approx(125 / 110 - 1)  # over the close of 2021-12-31
    assert body["returns"]["1y"] is None
    assert body["max_drawdown"] == {
        "value": pytest.approx(90 / 120 - 1),
        "peak_date": "2021-12-29",
        "trough_date": "2021-12-30",
    }
    assert body["last_date"] == "2022-01-02"


def test_stats_over_a_range_and_their_cache_follow_invalidation(api):
    asset = AssetFactory(id="X")
    price_history(asset, [100, 110, 121], start=date(2021, 1, 1))
    url = reverse("assets-api:stats", args=["X"])

    assert api.get(url, {"end": "2021-01-02"}).json()["returns"]["1d"] == pytest.approx(0.1)
    PriceBar.objects.filter(asset=asset, date=date(2021, 1, 2)).update(close=Decimal(105), adj_close=Decimal(105))
    assert api.get(url, {"end": "2021-01-02"}).json()["returns"]["1d"] == pytest.approx(0.1)
    invalidate_price_cache(["X"])
    assert api.get(url, {"end": "2021-01-02"}).json()["returns"]["1d"] == pytest.approx(0.05)


def test_an_import_through_the_service_invalidates_cached_prices_and_stats(api):
    from apps.assets.services import import_prices

    lines = data_file("yahoo_SPY_2008_2017.csv").read_bytes().splitlines(keepends=True)

    def run_import(rows: int) -> None:
        content = b"".join(lines[: rows + 1])
        import_prices(source=io.BytesIO(content), filename="SPY.csv", create_assets=True, asset_type="etf")

    run_import(100)
    stats_url = reverse("assets-api:stats", args=["SPY"])
    assert len(api.get(prices_url("SPY")).json()["data"]) == 100
    assert api.get(stats_url).json()["observations"] == 100

    run_import(150)  # the same 100 rows unchanged, 50 appended

    body = api.get(prices_url("SPY")).json()
    assert len(body["data"]) == 150 and body["end"] == lines[150].split(b",")[0].decode()
    assert api.get(stats_url).json()["observations"] == 150


def test_prices_of_an_asset_without_bars_are_an_empty_list(api, vendor):
    AssetFactory(id="EMPTY")

    body = api.get(prices_url("EMPTY", interval="1w")).json()

    assert (body["data"], body["start"], body["end"]) == ([], None, None)
