"""load_demo and setup_dev: the shipped sample files become 22 named assets, idempotently."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from apps.assets.models import Asset, AssetType, PriceBar

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_setup_dev_loads_the_demo_into_an_empty_database_and_load_demo_is_idempotent(settings, tmp_path):
    settings.DEBUG, settings.VAR_DIR = True, tmp_path  # setup_dev is development-only
    out = io.StringIO()
    # Without the replay (tests/replay/test_setup_dev.py): every demo price at once.
    call_command("setup_dev", "--no-replay", stdout=out, skip_checks=True)
    assert "Empty database: loading demo prices" in out.getvalue()
    assert "Demo data loaded" in out.getvalue()

    assert Asset.objects.count() == 22
    assert Asset.objects.filter(type=AssetType.STOCK).count() == 20
    spy, btc, aapl = (Asset.objects.get(pk=s) for s in ("SPY", "BTC-USD", "AAPL"))
    assert (spy.name, spy.type) == ("SPDR S&P 500 ETF Trust", AssetType.ETF)
    assert (btc.name, btc.type) == ("Bitcoin", AssetType.CRYPTO)
    assert aapl.name == "Apple Inc." and "PyPortfolioOpt" in aapl.description
    assert "mplfinance" in spy.description
    assert PriceBar.objects.count() == 106931 + 2519 + 2439
    # SPY comes from the Yahoo OHLCV file only (pypfopt_spy_prices.csv is on another adjustment basis).
    assert PriceBar.objects.filter(asset=spy).count() == 2519
    assert PriceBar.objects.get(asset=spy, date=date(2007, 12, 31)).adj_close is not None
    assert PriceBar.objects.filter(asset=spy).exclude(quality_issues=[]).count() == 2

    again = io.StringIO()
    call_command("load_demo", stdout=again, skip_checks=True)
    assert "0 created, 0 updated, 106931 unchanged" in again.getvalue()
    assert "0 created, 0 updated, 2439 unchanged" in again.getvalue()
    assert PriceBar.objects.count() == 106931 + 2519 + 2439

    later = io.StringIO()
    call_command("setup_dev", stdout=later, skip_checks=True)
    assert "demo data not loaded" in later.getvalue()
