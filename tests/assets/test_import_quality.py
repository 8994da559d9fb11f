"""Price import data quality (issue 8): duplicate columns, empty files, future bars, decode errors
naming their line, per-file column cap, and a lost database answered as 503."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError

from apps.assets import services
from apps.assets.importing.parsing import FileRejected
from apps.assets.models import Asset, PriceBar
from quantumvest.errors import DatabaseUnavailable
from tests.accounts.factories import UserFactory
from tests.assets.factories import AssetFactory
from tests.assets.test_import import do_import, rejected, run

pytestmark = pytest.mark.django_db


def file_rejected(data, **options) -> str:
    with pytest.raises(FileRejected) as caught:
        do_import(data, **options)
    return caught.value.detail


def test_a_duplicate_ohlcv_header_is_rejected_naming_the_column():
    AssetFactory(id="AAA")
    detail = file_rejected("Date,Open,High,Low,Close,Close\n2020-01-02,1,2,1,1,9\n", symbol="AAA")
    assert detail.startswith("Line 1:") and "'Close' (column 6) repeats 'Close' (column 5)" in detail
    assert not PriceBar.objects.exists()


def test_adj_close_spelled_twice_is_a_duplicate_too():
    AssetFactory(id="AAA")
    assert "'AdjClose'" in file_rejected("Date,Close,Adj Close,AdjClose\n2020-01-02,1,1,1\n", symbol="AAA")


def test_a_header_only_file_is_rejected_and_creates_no_asset():
    detail = file_rejected("Date,Open,High,Low,Close\n\n", symbol="NEW", create_assets=True)
    assert "no data rows" in detail
    assert not Asset.objects.exists()


def test_a_wide_header_only_file_creates_no_assets():
    assert "no data rows" in file_rejected("date,AAA,BBB\n", create_assets=True)
    assert not Asset.objects.exists()


def test_bars_dated_after_today_utc_are_rejected_with_line_and_reason():
    AssetFactory(id="AAA")
    today = datetime.now(UTC).date()
    tomorrow = today + timedelta(days=1)
    problems = rejected(f"date,AAA\n{today},1\n{tomorrow},2\n")
    assert problems == [f"line 3, column date: the date {tomorrow} is after today ({today}, UTC)"]
    assert not PriceBar.objects.exists()


def test_todays_bar_is_accepted():
    AssetFactory(id="AAA")
    assert do_import(f"date,AAA\n{datetime.now(UTC).date()},1\n").created == 1


def test_a_latin_1_byte_names_its_line():
    AssetFactory(id="AAA")
    data = ("Date,Close\n" + "2020-01-02,1\n" * 4 + "2020-01-08,1 café\n").encode("latin-1")
    assert file_rejected(data, symbol="AAA").startswith("Line 6 is not UTF-8 text (byte 0xE9")


def test_a_latin_1_header_names_line_1():
    assert file_rejected("Date,Café\n2020-01-02,1\n".encode("latin-1"), create_assets=True).startswith(
        "Line 1 is not UTF-8 text"
    )


def test_a_decode_error_far_into_a_large_file_names_its_line():
    AssetFactory(id="AAA")
    rows = "".join(f"{day},1\n" for day in range(20_000))  # several 64 kB buffers before the bad byte
    data = b"Date,Close\n" + rows.encode() + b"\xff\n"
    assert file_rejected(data, symbol="AAA").startswith("Line 20002 is not UTF-8 text")


def test_a_multi_line_quoted_cell_keeps_line_numbers_right():
    AssetFactory(id="AAA")
    problems = rejected('date,AAA\n2020-01-02,"1\n2"\n2020-01-03,x\n', skip_invalid=False)
    assert problems[-1].startswith("line 4, column AAA")


def test_more_columns_than_qv_import_max_columns_is_refused_on_line_1(settings):
    settings.QV_IMPORT_MAX_COLUMNS = 500
    header = "date," + ",".join(f"S{index}" for index in range(501))
    detail = file_rejected(f"{header}\n2020-01-02," + ",".join(["1"] * 501) + "\n", create_assets=True)
    assert detail.startswith("Line 1:") and "501 value columns" in detail and "QV_IMPORT_MAX_COLUMNS" in detail
    assert not Asset.objects.exists()


def test_exactly_qv_import_max_columns_is_accepted(settings):
    settings.QV_IMPORT_MAX_COLUMNS = 3
    report = do_import("date,A,B,C\n2020-01-02,1,2,3\n", create_assets=True)
    assert report.created == 3 and Asset.objects.count() == 3


def test_a_database_outage_during_an_import_is_database_unavailable(settings):
    AssetFactory(id="AAA")
    lost = OperationalError("server closed the connection")
    with patch("apps.assets.services.BarWriter.write", side_effect=lost), pytest.raises(DatabaseUnavailable) as caught:
        do_import("date,AAA\n2020-01-02,1\n")
    assert caught.value.status_code == 503 and caught.value.code == "database_unavailable"
    assert "nothing was imported" in caught.value.detail


def test_the_command_exits_non_zero_with_a_message_when_the_database_is_gone(tmp_path):
    AssetFactory(id="AAA")
    path = tmp_path / "p.csv"
    path.write_text("date,AAA\n2020-01-02,1\n")
    with patch("apps.assets.services.BarWriter.write", side_effect=OperationalError("connection refused")):
        status, _, err = run(str(path))
    assert status == 1 and "The database is not available" in err


# --- API: 200 when small, 202 and a job when large, 503 when the database is gone ----------------


def csv(content: bytes, name: str = "prices.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def analyst(client):
    user = UserFactory(role="analyst")
    client.force_login(user)
    return user


def test_a_small_api_import_answers_200_with_the_report(client, analyst, settings):
    settings.QV_IMPORT_SYNC_MAX_BYTES = 10_000
    AssetFactory(id="AAA")
    response = client.post("/api/v1/prices/import/", {"file": csv(b"date,AAA\n2020-01-02,1\n")})
    assert response.status_code == 200 and response.json()["created"] == 1


@pytest.mark.parametrize("url", ["/api/v1/prices/import/", "/api/v1/assets/AAA/prices/import/"])
def test_a_large_api_import_answers_202_with_a_job_to_poll(client, analyst, settings, url):
    settings.QV_IMPORT_SYNC_MAX_BYTES = 1000
    AssetFactory(id="AAA")
    header = b"date,AAA\n" if "assets/AAA" not in url else b"Date,Close\n"
    start = datetime(2020, 1, 1, tzinfo=UTC).date()
    data = header + b"".join(f"{start + timedelta(days=day)},1\n".encode() for day in range(100))
    assert len(data) > 1000
    with patch("apps.assets.tasks.run_import_job.apply_async") as publish:
        response = client.post(url, {"file": csv(data)})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "queued" and body["url"].endswith(f"/api/v1/jobs/imports/{body['id']}/")
    assert response["Location"] == body["url"]
    assert publish.call_count == 1 and publish.call_args.kwargs["args"] == [body["id"]]
    assert not PriceBar.objects.exists()
    assert client.get(body["url"]).json()["id"] == body["id"]


def test_the_import_job_is_readable_by_its_owner_only(client, analyst, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.QV_IMPORT_SYNC_MAX_BYTES = 10
    AssetFactory(id="AAA")
    with patch("apps.assets.tasks.run_import_job.delay"):
        job_url = client.post("/api/v1/prices/import/", {"file": csv(b"date,AAA\n2020-01-02,1\n")}).json()["url"]
    services.run_import_job(job_url.rstrip("/").rsplit("/", 1)[1])
    finished = client.get(job_url).json()
    assert finished["state"] == "succeeded" and finished["result"]["created"] == 1
    client.force_login(UserFactory(role="analyst"))
    response = client.get(job_url)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_database_outage_answers_503_database_unavailable(client, analyst):
    AssetFactory(id="AAA")
    with patch("apps.assets.services.BarWriter.write", side_effect=OperationalError("terminating connection")):
        response = client.post("/api/v1/prices/import/", {"file": csv(b"date,AAA\n2020-01-02,1\n")})
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
    assert set(response.json()) == {"detail", "code", "fields"}
