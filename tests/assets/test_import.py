"""Price import: the service and the import_prices command, on the real sample files and on
small crafted files for each rejection rule."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.assets import services
from apps.assets.importing.parsing import FileRejected, FileTooLarge
from apps.assets.importing.upsert import _upsert_portable
from apps.assets.importing.validation import Bar
from apps.assets.models import Asset, AssetType, PriceBar
from tests.assets.factories import AssetFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
STOCKS = SAMPLE / "pypfopt_stock_prices.csv"
YAHOO_SPY = SAMPLE / "yahoo_SPY_2008_2017.csv"


def run(*args: str) -> tuple[int, str, str]:
    """Run import_prices; (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_prices", *args, stdout=out, stderr=err, skip_checks=True)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def do_import(text: str | bytes, filename: str = "prices.csv", **options) -> services.ImportReport:
    data = text.encode() if isinstance(text, str) else text
    return services.import_prices(source=io.BytesIO(data), filename=filename, size=len(data), **options)


def rejected(text: str, **options) -> list[str]:
    with pytest.raises(services.ImportRejected) as caught:
        do_import(text, **options)
    return [str(problem) for problem in caught.value.report.errors]


def non_empty_cells(path: Path) -> int:
    lines = path.read_text().splitlines()[1:]
    return sum(1 for line in lines for cell in line.split(",")[1:] if cell.strip())


# --- Acceptance -----------------------------------------------------------------------------------


def test_wide_import_creates_one_bar_per_non_empty_cell_and_a_rerun_changes_nothing():
    status, out, _ = run(str(STOCKS), "--format", "wide", "--create-assets")
    expected = non_empty_cells(STOCKS)
    assert status == 0
    assert PriceBar.objects.count() == expected == 106931
    assert Asset.objects.count() == 20
    assert f"{expected} created, 0 updated, 0 unchanged, 0 rejected" in out

    status, out, _ = run(str(STOCKS), "--format", "wide", "--create-assets")
    assert status == 0
    assert f"0 created, 0 updated, {expected} unchanged, 0 rejected" in out
    assert PriceBar.objects.count() == expected


def _head(path: Path, lines: int) -> str:
    return "".join(path.read_text().splitlines(keepends=True)[:lines])


def test_file_with_three_new_dates_appended_adds_exactly_those_bars(tmp_path):
    first = tmp_path / "first.csv"
    first.write_text(_head(STOCKS, 7001))  # header + 7000 rows
    longer = tmp_path / "longer.csv"
    longer.write_text(_head(STOCKS, 7004))
    assert run(str(first), "--format", "wide", "--create-assets")[0] == 0
    before = set(PriceBar.objects.values_list("asset_id", "date"))

    status, out, _ = run(str(longer), "--format", "wide", "--create-assets")

    header = longer.read_text().splitlines()[0].split(",")
    new_rows = [line.split(",") for line in longer.read_text().splitlines()[7001:]]
    expected = {
        (symbol, date.fromisoformat(row[0]))
        for row in new_rows
        for symbol, cell in zip(header[1:], row[1:], strict=True)
        if cell
    }
    after = set(PriceBar.objects.values_list("asset_id", "date"))
    assert status == 0
    assert len(new_rows) == 3 and expected
    assert after - before == expected
    assert len(after) == len(before) + len(expected)
    assert f"{len(expected)} created, 0 updated, {len(before)} unchanged" in out


def test_one_corrupted_cell_exits_non_zero_names_line_and_column_and_changes_nothing(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(_head(STOCKS, 3001))
    assert run(str(good), "--create-assets")[0] == 0
    snapshot = list(PriceBar.objects.order_by("id").values_list("asset_id", "date", "close"))
    lines = _head(STOCKS, 3002).splitlines(keepends=True)
    header = lines[0].strip().split(",")
    cells = lines[2000].rstrip("\n").split(",")  # line 2001 of the file
    cells[header.index("WMT")] = "12.3x"
    lines[2000] = ",".join(cells) + "\n"
    corrupted = tmp_path / "corrupted.csv"
    corrupted.write_text("".join(lines))

    status, _, err = run(str(corrupted), "--create-assets")

    assert status == 1
    assert "line 2001, column WMT: '12.3x' is not a number" in err
    assert list(PriceBar.objects.order_by("id").values_list("asset_id", "date", "close")) == snapshot


def test_ohlcv_yahoo_file_stores_every_value_as_given_to_8_places():
    status, _out, _err = run(str(YAHOO_SPY), "--format", "ohlcv", "--symbol", "SPY", "--create-assets", "--type", "etf")
    assert status == 0
    assert PriceBar.objects.filter(asset_id="SPY").count() == 2519
    bar = PriceBar.objects.get(asset_id="SPY", date=date(2007, 12, 31))
    # 2007-12-31,147.100006,147.610001,146.059998,146.210007,118.624741,108126800
    assert (bar.open, bar.high, bar.low, bar.close, bar.adj_close, bar.volume) == (
        Decimal("147.10000600"),
        Decimal("147.61000100"),
        Decimal("146.05999800"),
        Decimal("146.21000700"),
        Decimal("118.62474100"),
        Decimal("108126800"),
    )
    assert Asset.objects.get(pk="SPY").type == AssetType.ETF


def test_open_outside_the_days_range_is_kept_flagged_and_reported_with_its_line():
    status, _out, err = run(str(YAHOO_SPY), "--symbol", "SPY", "--create-assets")
    assert status == 0
    assert "warning line 1808, column Open: open 209.419998 is below low 209.850006" in err
    assert "warning line 1825, column Open" in err
    flagged = PriceBar.objects.exclude(quality_issues=[])
    assert [(bar.date, bar.quality_issues) for bar in flagged] == [
        (date(2015, 3, 5), ["open_below_low"]),
        (date(2015, 3, 30), ["open_below_low"]),
    ]
    assert flagged[0].open == Decimal("209.41999800")  # kept as given


# --- Upsert ------------------------------------------------------------------------------------


def test_changed_values_are_updated_and_counted():
    AssetFactory(id="AAA")
    do_import("date,AAA\n2020-01-02,10\n2020-01-03,11\n")
    report = do_import("date,AAA\n2020-01-02,10\n2020-01-03,11.5\n2020-01-06,12\n")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert PriceBar.objects.get(asset_id="AAA", date=date(2020, 1, 3)).close == Decimal("11.5")


def test_bars_before_between_and_after_stored_dates_are_counted_right():
    AssetFactory(id="AAA")
    do_import("date,AAA\n2020-01-02,10\n2020-01-06,12\n")
    report = do_import("date,AAA\n2019-12-31,9\n2020-01-02,10\n2020-01-03,11\n2020-01-06,12.5\n2020-01-07,13\n")
    assert (report.created, report.updated, report.unchanged) == (3, 1, 1)
    assert list(PriceBar.objects.order_by("date").values_list("close", flat=True)) == [9, 10, 11, Decimal("12.5"), 13]


def test_batches_written_before_a_late_bad_row_are_rolled_back(monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    AssetFactory(id="AAA")
    rows = "".join(f"2020-01-{day:02d},{day}\n" for day in range(1, 8))
    with pytest.raises(services.ImportRejected):
        do_import("date,AAA\n" + rows + "2020-01-08,bad\n")
    assert not PriceBar.objects.exists()

    report = do_import("date,AAA\n" + rows + "2020-01-08,bad\n", skip_invalid=True)
    assert (report.created, report.rejected) == (7, 1)
    report = do_import("date,AAA\n" + rows.replace(",3\n", ",3.5\n"))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 6)


def test_portable_upsert_agrees_with_the_postgresql_path():
    AssetFactory(id="AAA")
    do_import("date,AAA\n2020-01-02,10\n2020-01-03,11\n")
    day = date(2020, 1, 3)
    bars = [
        Bar("AAA", date(2020, 1, 2), *[Decimal(10)] * 4, None, Decimal(0)),
        Bar("AAA", day, *[Decimal(12)] * 4, None, Decimal(0)),
        Bar("AAA", date(2020, 1, 6), *[Decimal(13)] * 4, None, Decimal(0)),
    ]
    created, updated = _upsert_portable(bars)
    assert (created["AAA"], updated["AAA"]) == (1, 1)
    assert PriceBar.objects.get(asset_id="AAA", date=day).close == 12


def test_prices_are_quantised_half_even_to_8_places():
    AssetFactory(id="AAA")
    do_import("date,AAA\n2020-01-02,1.000000005\n2020-01-03,1.000000015\n2020-01-06,114.81204199999999\n")
    closes = list(PriceBar.objects.order_by("date").values_list("close", flat=True))
    assert closes == [Decimal("1.00000000"), Decimal("1.00000002"), Decimal("114.81204200")]


# --- Formats, encodings, dates --------------------------------------------------------------------


def test_close_only_file_makes_open_high_low_equal_to_close():
    AssetFactory(id="SPY")
    report = do_import(_head(SAMPLE / "pypfopt_spy_prices.csv", 4), format="ohlcv", symbol="SPY")
    bar = PriceBar.objects.get(asset_id="SPY", date=date(1993, 1, 29))
    assert report.created == 3
    assert bar.open == bar.high == bar.low == bar.close == Decimal("26.58399200")
    assert bar.adj_close is None


def test_utf8_bom_and_lower_case_ohlcv_header_with_extra_columns():
    text = (
        "\ufeffdate,open,high,low,close,volume,market cap\n2013-04-28,128.0001,128.0001,128.0001,128.0001,0.0,1.4e9\n"
    )
    report = do_import(text.encode("utf-8"), filename="BTC-USD.csv", create_assets=True, asset_type="crypto")
    assert report.format == "ohlcv" and report.symbols == ["BTC-USD"] and report.created == 1
    assert Asset.objects.get(pk="BTC-USD").type == AssetType.CRYPTO


def test_us_dates_m_d_yyyy():
    report = do_import(_head(SAMPLE / "ffn_test_data.csv", 3), create_assets=True)
    assert report.created == 6
    assert PriceBar.objects.get(asset_id="C", date=date(2004, 3, 10)).close == Decimal("492.1")


def test_format_override_reads_an_ohlcv_looking_header_as_wide():
    report = do_import("Date,Close\n2020-01-02,5\n", format="wide", create_assets=True)
    assert report.symbols == ["CLOSE"]


# --- Rejected rows ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("2020-13-01,1,2,1,1,1\n", "line 2, column Date: '2020-13-01' is not a date"),
        (
            "2020-01-02,1,2,1,1,1\n2020-01-02,1,2,1,1,1\n",
            "line 3, column Date: duplicate date 2020-01-02 (first on line 2)",
        ),
        ("2020-01-02,NaN,2,1,1,1\n", "line 2, column Open: 'NaN' is not a finite number"),
        ("2020-01-02,1,inf,1,1,1\n", "line 2, column High: 'inf' is not a finite number"),
        ("2020-01-02,,2,1,1,1\n", "line 2, column Open: open is empty"),
        ("2020-01-02,1,2,1,,1\n", "line 2, column Close: close is empty"),
        ("2020-01-02,1,2,0,1,1\n", "line 2, column Low: the price must be positive, not 0"),
        ("2020-01-02,1,2,-1,1,1\n", "line 2, column Low: the price must be positive, not -1"),
        ("2020-01-02,1,1,2,1,1\n", "line 2, column High: high 1 is below low 2"),
        ("2020-01-02,1,2,1,1,-5\n", "line 2, column Volume: the volume must not be negative, not -5"),
        ("2020-01-02,1e30,2,1,1,1\n", "line 2, column Open: '1e30' is too large"),
        ("2020-01-02,1,2,1,1,1,9\n", "line 2, column -: the row has 7 cells but the header has 6"),
    ],
)
def test_each_invalid_row_is_rejected_with_line_column_and_reason(body, expected):
    AssetFactory(id="XYZ")
    problems = rejected("Date,Open,High,Low,Close,Volume\n" + body, symbol="XYZ")
    assert any(problem.startswith(expected) for problem in problems), problems
    assert not PriceBar.objects.exists()


def test_unknown_symbol_is_rejected_unless_asset_creation_is_asked_for():
    problems = rejected("date,NEW\n2020-01-02,1\n2020-01-03,2\n")
    assert problems == ["line 1, column NEW: unknown symbol NEW: 2 bar(s) not imported (create the asset first)"]
    assert not Asset.objects.filter(pk="NEW").exists()
    assert do_import("date,NEW\n2020-01-02,1\n", create_assets=True).created_assets == ["NEW"]


def test_skip_invalid_applies_the_valid_rows_and_reports_the_invalid_ones():
    AssetFactory(id="AAA")
    report = do_import("date,AAA\n2020-01-02,1\n2020-01-03,oops\n2020-01-06,-2\n2020-01-07,3\n", skip_invalid=True)
    assert report.applied and (report.created, report.rejected) == (2, 2)
    assert [str(problem) for problem in report.errors] == [
        "line 3, column AAA: 'oops' is not a number",
        "line 4, column AAA: the price must be positive, not -2",
    ]
    assert PriceBar.objects.count() == 2


def test_skip_invalid_exits_non_zero_from_the_command(tmp_path):
    AssetFactory(id="AAA")
    path = tmp_path / "p.csv"
    path.write_text("date,AAA\n2020-01-02,1\n2020-01-03,oops\n")
    status, out, err = run(str(path), "--skip-invalid")
    assert status == 1 and "1 created" in out and "line 3, column AAA" in err
    assert PriceBar.objects.count() == 1


# --- Files that cannot be read at all ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"\n\n", "The file is empty"),
        (bytes(range(256)) * 4, "not"),
        (b"\x00\x01\x02PK\x03\x04", "not"),
        (b"Date,Open,High,Low,Close\n", "no data rows"),
        (b"Date;Open;High;Low;Close\n2020-01-02;1;2;1;1\n", "not comma-separated"),
        (b"Price,Value\n1,2\n", "first column must be the date"),
        (b'Date,"AAA\n2020-01-02,1\n', "cannot be read as CSV"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data, message):
    AssetFactory(id="AAA")
    with pytest.raises(FileRejected) as caught:
        do_import(data, symbol="AAA")
    assert message in caught.value.detail


def test_huge_numbers_are_row_errors_not_database_errors():
    AssetFactory(id="AAA")
    body = "2020-01-02,999999999999.99999999\n2020-01-03,1E+400\n2020-01-06,1000000000000\n2020-01-07,999999999999.999999999\n"
    report = do_import("date,AAA\n" + body, skip_invalid=True)
    assert [problem.line for problem in report.errors] == [3, 4, 5]
    assert report.created == 1
    assert PriceBar.objects.get().close == Decimal("999999999999.99999999")


@pytest.mark.parametrize(
    "cell", ["1e999999999999", "-1e999999999999", "999999999999.999999995", "1E+400", "0E+999999", "1e-999999999"]
)
def test_extreme_numbers_are_row_errors(cell):
    AssetFactory(id="AAA")
    problems = rejected(f"date,AAA\n2020-01-02,{cell}\n")
    assert len(problems) == 1 and problems[0].startswith("line 2, column AAA:")


def test_extreme_volume_is_a_row_error():
    AssetFactory(id="AAA")
    problems = rejected("Date,Close,Volume\n2020-01-02,1,99999999999999999999.999999999\n", symbol="AAA")
    assert problems == [
        "line 2, column Volume: '99999999999999999999.999999999' is too large "
        "(the limit is below 100,000,000,000,000,000,000)"
    ]


def test_a_malformed_symbol_is_a_validation_error():
    with pytest.raises(services.ValidationFailed) as caught:
        do_import("Date,Close\n2020-01-02,1\n", symbol="bad$sym", create_assets=True)
    assert "symbol" in caught.value.fields
    assert not Asset.objects.exists()


def test_files_over_the_limit_are_refused_while_streaming():
    data = b"date,AAA\n" + b"2020-01-02,1\n" * 1000

    class NoWholeRead(io.BytesIO):
        def read(self, size=-1):
            assert size is not None and size > 0, "the file must be read in chunks"
            return super().read(size)

    with pytest.raises(FileTooLarge):
        services.import_prices(source=NoWholeRead(data), filename="p.csv", max_bytes=4000, create_assets=True)
    with pytest.raises(FileTooLarge):
        services.import_prices(source=io.BytesIO(data), filename="p.csv", size=len(data), max_bytes=4000)
    assert not PriceBar.objects.exists()
