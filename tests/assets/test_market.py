"""The market date comes from the data, not the clock: the footer of every page, the asset page, the
API (``GET /api/v1/market/``, no login, and ``market_date`` in the asset detail).

Nothing is frozen: the bars are dated years before the wall clock, so the two differ anyway.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.assets import market
from apps.assets.cache import invalidate_price_cache
from tests.accounts.factories import UserFactory
from tests.assets.factories import AssetFactory, PriceBarFactory, price_history

pytestmark = pytest.mark.django_db
MARKET_URL = "/api/v1/market/"


@pytest.fixture
def two_markets():
    """SPY's prices end on 2019-12-31, AAPL's earlier, on 2018-04-11."""
    price_history(AssetFactory(id="SPY"), [320, 321, 322], start=date(2019, 12, 29))
    price_history(AssetFactory(id="AAPL"), [170, 172, 174], start=date(2018, 4, 9))


@pytest.fixture
def browser():
    client = Client()
    client.force_login(UserFactory())
    return client


def test_the_market_date_is_the_latest_bar_not_the_clock(two_markets):
    assert timezone.localdate() > date(2019, 12, 31)  # what makes this test mean something

    assert market.market_date() == date(2019, 12, 31)
    assert market.latest_bar_date("AAPL") == date(2018, 4, 11)
    assert market.latest_bar_dates(["SPY", "AAPL", "NONE"]) == {"SPY": date(2019, 12, 31), "AAPL": date(2018, 4, 11)}


def test_without_prices_there_is_no_market_data_date():
    assert market.market_data_date() is None
    assert market.market_date() == timezone.localdate()


def test_an_inactive_asset_does_not_move_the_market_date(two_markets):
    price_history(AssetFactory(id="GONE", is_active=False), [1, 2], start=date(2021, 5, 3))

    assert market.market_date() == date(2019, 12, 31)


def test_the_market_date_is_cached_until_a_bar_write_drops_it(two_markets):
    assert market.market_date() == date(2019, 12, 31)
    PriceBarFactory(asset=AssetFactory(id="QQQ"), date=date(2020, 1, 2))  # behind the cache's back
    assert market.market_date() == date(2019, 12, 31)

    invalidate_price_cache(["QQQ"])  # what every import does after writing bars

    assert market.market_date() == date(2020, 1, 2)


def test_every_page_shows_the_market_date_in_its_footer(client, two_markets):
    html = client.get(reverse("accounts:login")).content.decode()

    assert 'Market data as of <time datetime="2019-12-31">2019-12-31</time>' in html


def test_a_page_without_any_prices_says_so(client):
    html = client.get(reverse("accounts:login")).content.decode()

    assert "No market data yet" in html and "Market data as of" not in html


def test_the_asset_page_shows_its_own_last_date_where_it_differs(browser, two_markets):
    html = " ".join(browser.get(reverse("assets:detail", args=["AAPL"])).content.decode().split())

    assert "AAPL's prices end on 2018-04-11; market data as of 2019-12-31" in html
    assert "every figure is as of 2018-04-11, AAPL's last price, not the market date (2019-12-31)" in html


def test_the_asset_page_of_an_up_to_date_asset_shows_one_date(browser, two_markets):
    html = " ".join(browser.get(reverse("assets:detail", args=["SPY"])).content.decode().split())

    assert 'data-as-of="2019-12-31">Market data as of 2019-12-31' in html
    assert "not the market date" not in html


def test_the_market_endpoint_needs_no_login(two_markets):
    response = APIClient().get(MARKET_URL)

    assert response.status_code == 200
    assert response.json() == {"market_date": "2019-12-31", "from_prices": True}


def test_the_market_endpoint_without_prices_says_the_date_is_the_clocks():
    body = APIClient().get(MARKET_URL).json()

    assert body == {"market_date": timezone.localdate().isoformat(), "from_prices": False}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_market_endpoint_is_read_only_for_everyone(method, two_markets):
    anonymous, signed_in = APIClient(), APIClient()
    signed_in.force_authenticate(UserFactory())

    for client in (anonymous, signed_in):
        assert getattr(client, method)(MARKET_URL, {"market_date": "2030-01-01"}, format="json").status_code == 405
    assert market.market_date() == date(2019, 12, 31)


def test_the_asset_detail_carries_the_market_date_beside_its_own_last_date(two_markets):
    api = APIClient()
    api.force_authenticate(UserFactory())

    body = api.get(reverse("assets-api:detail", args=["AAPL"])).json()

    assert (body["last_date"], body["market_date"]) == ("2018-04-11", "2019-12-31")


def test_the_schema_documents_the_market_endpoint_as_public():
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"][MARKET_URL]["get"]
    assert operation["security"] == [{}] or {} in operation["security"]
    assert "401" not in operation["responses"]
    component = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][component]["properties"]) == {"market_date", "from_prices"}


def test_the_asset_list_dates_the_closes_that_end_before_the_market_date(browser, two_markets):
    html = browser.get(reverse("assets:list")).content.decode()

    assert ">on 2018-04-11</span>" in html
    assert ">on 2019-12-31</span>" not in html
