"""The demo data set: which shipped file (data/sample/) fills which asset, with real names and types.

See data/sample/PROVENANCE.md for the origin and licence of each file and why two files are not
loaded (pypfopt_spy_prices.csv and ffn_test_data.csv stay test fixtures).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from apps.assets.models import AssetType

SAMPLE_DIR = settings.BASE_DIR / "data" / "sample"

_PYPFOPT = (
    "Historical sample data (adjusted daily closes) from PyPortfolioOpt's test data "
    "(robertmartin8/PyPortfolioOpt, MIT); prices originate from Yahoo Finance. Not a licensed feed."
)
_YAHOO_SPY = (
    "Historical sample data (daily OHLCV and adjusted close, 2008–2017) from mplfinance's example data "
    "(matplotlib/mplfinance, Matplotlib licence, (c) 2012- Matplotlib Development Team); a Yahoo Finance "
    "export. Not a licensed feed."
)
_BTC = (
    "Historical sample data (daily OHLCV, 2013–2019) from skforecast-datasets "
    "(skforecast/skforecast-datasets, BSD-3-Clause, (c) 2023 Joaquin Amat Rodrigo). Not a licensed feed."
)


@dataclass(frozen=True)
class DemoFile:
    filename: str
    format: str
    symbol: str | None  # for an OHLCV file
    assets: dict[str, tuple[str, str]]  # symbol → (name, type)
    description: str


STOCKS = {
    "GOOG": "Alphabet Inc. (Class C)",
    "AAPL": "Apple Inc.",
    "FB": "Facebook, Inc. (now Meta Platforms)",
    "BABA": "Alibaba Group Holding Ltd. (ADR)",
    "AMZN": "Amazon.com, Inc.",
    "GE": "General Electric Company",
    "AMD": "Advanced Micro Devices, Inc.",
    "WMT": "Walmart Inc.",
    "BAC": "Bank of America Corporation",
    "GM": "General Motors Company",
    "T": "AT&T Inc.",
    "UAA": "Under Armour, Inc. (Class A)",
    "SHLD": "Sears Holdings Corporation",
    "XOM": "Exxon Mobil Corporation",
    "RRC": "Range Resources Corporation",
    "BBY": "Best Buy Co., Inc.",
    "MA": "Mastercard Incorporated",
    "PFE": "Pfizer Inc.",
    "JPM": "JPMorgan Chase & Co.",
    "SBUX": "Starbucks Corporation",
}

DEMO_FILES = [
    DemoFile(
        "pypfopt_stock_prices.csv",
        "wide",
        None,
        {symbol: (name, AssetType.STOCK) for symbol, name in STOCKS.items()},
        _PYPFOPT,
    ),
    DemoFile("yahoo_SPY_2008_2017.csv", "ohlcv", "SPY", {"SPY": ("SPDR S&P 500 ETF Trust", AssetType.ETF)}, _YAHOO_SPY),
    DemoFile("btc_usd_2013_2019.csv", "ohlcv", "BTC-USD", {"BTC-USD": ("Bitcoin", AssetType.CRYPTO)}, _BTC),
]
