"""Holdings CSV: per-row errors (line, column, reason), preview, atomic import, formula-safe export."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.portfolios import holdings_csv, services
from apps.portfolios.models import PortfolioAsset
from quantumvest.errors import ValidationFailed
from tests.assets.factories import AssetFactory
from tests.portfolios.factories import LotFactory, PortfolioFactory

TODAY = date(2024, 6, 30)
HEADER = "symbol,quantity,purchase_price,purchase_date\n"


def _known(symbols: set[str]) -> set[str]:
    return symbols & {"AAPL", "MSFT", "BTC-USD"}


def parse(text: str) -> holdings_csv.ParsedHoldings:
    return holdings_csv.parse(text, known_symbols=_known, today=TODAY)


def test_valid_rows_are_parsed_as_decimals_and_dates():
    result = parse(
        "Purchase_Date,Symbol,Quantity,Purchase_Price\n2024-01-02, aapl ,1.5,190.25\n\n2023-05-06,BTC-USD,0.00000001,27000\n"
    )
    assert result.ok
    assert [(r.line, r.symbol, r.quantity, r.purchase_price, r.purchase_date) for r in result.rows] == [
        (2, "AAPL", Decimal("1.5"), Decimal("190.25"), date(2024, 1, 2)),
        (4, "BTC-USD", Decimal("0.00000001"), Decimal("27000"), date(2023, 5, 6)),
    ]


def test_every_row_error_names_its_line_column_and_reason():
    text = HEADER + (
        "AAPL,1,100,2024-01-02\n"
        "NOPE,1,100,2024-01-02\n"
        "MSFT,-3,0,2024-13-01\n"
        "MSFT,1,1,2025-01-01\n"
        "MSFT,1,1\n"
        "MSFT,1.123456789,1e3,2024-01-02\n"
        'MSFT,"1,000",5,02/01/2024\n'
    )
    result = parse(text)
    assert not result.ok
    errors = [(e.line, e.column) for e in result.errors]
    assert errors == [
        (3, "symbol"),
        (4, "quantity"),
        (4, "purchase_price"),
        (4, "purchase_date"),
        (5, "purchase_date"),
        (6, ""),
        (7, "quantity"),
        (7, "purchase_price"),
        (8, "quantity"),
        (8, "purchase_date"),
    ]
    reasons = {(e.line, e.column): e.reason for e in result.errors}
    assert reasons[(3, "symbol")] == "Unknown symbol 'NOPE'."
    assert reasons[(4, "quantity")] == "Must be greater than zero."
    assert reasons[(5, "purchase_date")] == "The purchase date cannot be in the future."
    assert reasons[(6, "")] == "Expected 4 columns, found 3."
    assert reasons[(7, "quantity")] == "At most 8 decimal places."
    assert [r.line for r in result.rows] == [2]


def test_a_bad_header_is_one_error_on_line_one():
    result = parse("ticker,qty,price,date\nAAPL,1,1,2024-01-01\n")
    assert [(e.line, e.column) for e in result.errors] == [(1, "")]
    assert "missing: symbol, quantity, purchase_price, purchase_date" in result.errors[0].reason


def test_empty_file_and_header_only_file_are_errors():
    assert parse("").errors[0].line == 1
    assert parse(HEADER).errors[0].reason == "The file has a header but no rows."


def test_decode_rejects_non_utf8_and_strips_a_bom():
    assert holdings_csv.decode("\ufeffsymbol".encode()) == "symbol"
    with pytest.raises(ValueError, match="UTF-8"):
        holdings_csv.decode(b"\xff\xfe\x00bad")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("AAPL", "AAPL"),
        ("-12.50", "-12.50"),
        (Decimal("-12.50"), "-12.50"),
        (-3, "-3"),
        ("+7", "+7"),
    ],
)
def test_safe_cell_neutralises_formulas_but_keeps_numbers(value, cell):
    assert holdings_csv.safe_cell(value) == cell


def test_export_then_parse_round_trips():
    rows = [("AAPL", Decimal("1.50000000"), Decimal("190.25000000"), date(2024, 1, 2))]
    text = holdings_csv.export(rows)
    assert text.splitlines()[1] == "AAPL,1.5,190.25,2024-01-02"
    parsed = parse(text)
    assert parsed.ok and parsed.rows[0].quantity == Decimal("1.5")


@pytest.mark.django_db
def test_import_is_atomic_one_bad_row_imports_nothing():
    AssetFactory(id="AAPL")
    portfolio = PortfolioFactory()
    text = HEADER + "AAPL,1,100,2024-01-02\nAAPL,2,abc,2024-01-03\n"
    with pytest.raises(ValidationFailed) as caught:
        services.import_holdings(portfolio=portfolio, text=text)
    assert caught.value.fields["rows"] == [
        "line 3, purchase_price: 'abc' is not a number (use a dot as decimal separator, no thousands separators)."
    ]
    assert not PortfolioAsset.objects.exists()


@pytest.mark.django_db
def test_export_of_a_portfolio_reimports_to_the_same_lots():
    lot = LotFactory(quantity=Decimal("0.12345678"), purchase_price=Decimal("43210.5"))
    text = services.export_holdings(portfolio=lot.portfolio)
    other = PortfolioFactory(user=lot.portfolio.user)
    services.import_holdings(portfolio=other, text=text)
    copy = other.lots.get()
    assert (copy.asset_id, copy.quantity, copy.purchase_price, copy.purchase_date) == (
        lot.asset_id,
        lot.quantity,
        lot.purchase_price,
        lot.purchase_date,
    )


@pytest.mark.django_db
def test_import_page_previews_then_applies_on_confirm():
    AssetFactory(id="AAPL")
    portfolio = PortfolioFactory()
    client = Client()
    client.force_login(portfolio.user)
    url = f"/portfolios/{portfolio.id}/import/"
    upload = SimpleUploadedFile("h.csv", (HEADER + "AAPL,3,150,2024-01-02\n").encode(), content_type="text/csv")
    preview = client.post(url, {"file": upload}, HTTP_HX_REQUEST="true")
    html = preview.content.decode()
    assert preview.status_code == 200 and 'id="import-rows"' in html and "Import 1 lot" in html
    assert not portfolio.lots.exists()
    # The confirm form carries the CSV text back.
    confirm = client.post(url, {"csv": HEADER + "AAPL,3,150,2024-01-02\n", "confirm": "True"})
    assert confirm.status_code == 302
    assert portfolio.lots.get().quantity == Decimal(3)


@pytest.mark.django_db
def test_import_page_preview_lists_errors_and_offers_no_confirm():
    AssetFactory(id="AAPL")
    portfolio = PortfolioFactory()
    client = Client()
    client.force_login(portfolio.user)
    response = client.post(
        f"/portfolios/{portfolio.id}/import/", {"csv": HEADER + "AAPL,3,150,2024-01-02\nXYZ,1,1,2024-01-02\n"}
    )
    html = response.content.decode()
    assert response.status_code == 422 and 'id="import-errors"' in html
    assert "Unknown symbol &#x27;XYZ&#x27;." in html and 'name="confirm"' not in html
    # A forged confirm of a file with errors still imports nothing.
    forged = client.post(
        f"/portfolios/{portfolio.id}/import/",
        {"csv": HEADER + "AAPL,3,150,2024-01-02\nXYZ,1,1,2024-01-02\n", "confirm": "True"},
    )
    assert forged.status_code == 422 and not portfolio.lots.exists()


@pytest.mark.django_db
def test_exported_csv_opens_as_plain_cells():
    # Symbols may start with "-" (the only formula prefix the symbol format allows).
    lot = LotFactory(asset=AssetFactory(id="-ABC"), quantity=Decimal("2"), purchase_price=Decimal("12.50"))
    cells = list(csv.reader(io.StringIO(services.export_holdings(portfolio=lot.portfolio))))
    assert cells[1] == ["'-ABC", "2", "12.5", "2020-01-02"]
