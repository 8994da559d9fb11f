"""Price providers and the daily refresh; the HTTP provider is fed a stored response, never the network."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from django.core.management import call_command

from apps.assets import services
from apps.assets.models import PriceBar
from apps.assets.providers import ProviderError, get_provider
from apps.assets.providers.directory import DirectoryProvider
from apps.assets.providers.stooq import StooqProvider, stooq_symbol
from tests.assets.factories import AssetFactory, PriceBarFactory

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]


class StoredResponse:
    """Stands in for requests.Session across the process boundary; records what was asked."""

    def __init__(self, body: bytes, status: int = 200):
        self.body, self.status, self.calls = body, status, []

    def get(self, url, params=None, timeout=None):
        self.calls.append((url, params, timeout))
        response = requests.Response()
        response.status_code, response._content, response.url = self.status, self.body, url
        return response


def test_stooq_provider_parses_the_stored_response_within_the_range():
    session = StoredResponse((FIXTURES / "stooq_spy_daily.csv").read_bytes())
    provider = StooqProvider("https://stooq.example/q/d/l/", timeout=7, session=session)

    bars = provider.fetch_bars("SPY", date(2017, 12, 20), date(2017, 12, 29))

    assert session.calls == [
        ("https://stooq.example/q/d/l/", {"s": "spy.us", "d1": "20171220", "d2": "20171229", "i": "d"}, 7)
    ]
    assert [bar.date.day for bar in bars] == [20, 21, 22, 26, 27, 28, 29]
    last = bars[-1]
    assert (last.open, last.high, last.low, last.close, last.volume) == (
        Decimal("268.529999"),
        Decimal("268.549988"),
        Decimal("266.640015"),
        Decimal("266.859985"),
        Decimal("96007400"),
    )


@pytest.mark.parametrize(("body", "status"), [(b"<html>busy</html>", 200), (b"", 503)])
def test_stooq_provider_raises_provider_error_on_bad_answers(body, status):
    provider = StooqProvider("https://stooq.example/", session=StoredResponse(body, status))
    with pytest.raises(ProviderError):
        provider.fetch_bars("SPY", date(2017, 1, 1), date(2017, 12, 31))


def test_stooq_no_data_is_an_empty_list():
    provider = StooqProvider("https://stooq.example/", session=StoredResponse(b"No data"))
    assert provider.fetch_bars("SPY", date(2017, 1, 1), date(2017, 1, 2)) == []


def test_stooq_symbols():
    assert [stooq_symbol(s) for s in ("AAPL", "BTC-USD", "^SPX")] == ["aapl.us", "btcusd", "^spx"]


def test_directory_provider_reads_symbol_csv_files(tmp_path):
    (tmp_path / "SPY.csv").write_bytes((FIXTURES / "stooq_spy_daily.csv").read_bytes())
    provider = DirectoryProvider(tmp_path)
    assert len(provider.fetch_bars("SPY", date(2017, 12, 27), date(2017, 12, 31))) == 3
    assert provider.fetch_bars("QQQ", date(2017, 1, 1), date(2017, 12, 31)) == []


@pytest.mark.django_db
def test_refresh_adds_only_bars_after_the_last_one_and_is_idempotent(tmp_path):
    (tmp_path / "SPY.csv").write_bytes((FIXTURES / "stooq_spy_daily.csv").read_bytes())
    spy = AssetFactory(id="SPY")
    PriceBarFactory(asset=spy, date=date(2017, 12, 22), close=Decimal("263.67"))
    AssetFactory(id="IDLE", is_active=False)
    provider = DirectoryProvider(tmp_path)

    outcome = services.refresh_prices(provider=provider, today=date(2017, 12, 31))

    assert outcome == {"SPY": {"created": 4, "updated": 0, "unchanged": 0}}
    assert PriceBar.objects.get(asset=spy, date=date(2017, 12, 22)).close == Decimal("263.67")  # not re-fetched
    assert services.refresh_prices(provider=provider, today=date(2017, 12, 31))["SPY"]["created"] == 0


@pytest.mark.django_db
def test_refresh_reports_a_failing_symbol_and_goes_on():
    AssetFactory(id="SPY")
    provider = StooqProvider("https://stooq.example/", session=StoredResponse(b"", 500))
    outcome = services.refresh_prices(provider=provider, today=date(2017, 12, 31))
    assert "error" in outcome["SPY"]


def test_no_provider_by_default(settings):
    settings.QV_PRICE_PROVIDER = ""
    assert get_provider() is None
    assert services.refresh_prices() == {}


def _beat_schedule(**extra_env) -> str:
    env = {**os.environ, **extra_env}
    code = (
        "import django; django.setup(); from django.conf import settings; print(sorted(settings.CELERY_BEAT_SCHEDULE))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_daily_refresh_is_scheduled_only_when_a_provider_is_configured(tmp_path):
    assert "assets-refresh-prices" not in _beat_schedule(QV_PRICE_PROVIDER="")
    assert "assets-refresh-prices" in _beat_schedule(QV_PRICE_PROVIDER="directory", QV_PRICE_PROVIDER_DIR=str(tmp_path))


@pytest.mark.django_db
def test_fetch_prices_command_uses_a_directory(tmp_path):
    (tmp_path / "SPY.csv").write_bytes((FIXTURES / "stooq_spy_daily.csv").read_bytes())
    PriceBarFactory(asset=AssetFactory(id="SPY"), date=date(2017, 12, 27))
    out = io.StringIO()
    call_command("fetch_prices", "--directory", str(tmp_path), stdout=out, skip_checks=True)
    assert "SPY: 2 created, 0 updated" in out.getvalue()
