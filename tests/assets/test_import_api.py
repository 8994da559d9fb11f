"""Import API: POST /api/v1/assets/{symbol}/prices/import/ and POST /api/v1/prices/import/."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.assets.models import Asset, PriceBar
from tests.accounts.factories import UserFactory
from tests.assets.factories import AssetFactory

pytestmark = pytest.mark.django_db

OHLCV = (
    b"Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,10,12,9,11,10.5,1000\n2020-01-03,11,13,10,12,11.5,2000\n"
)


def csv(content: bytes, name: str = "prices.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def analyst(client):
    client.force_login(UserFactory(role="analyst"))


def test_investor_gets_403_in_the_error_shape(client):
    client.force_login(UserFactory(role="investor"))
    AssetFactory(id="AAA")
    response = client.post("/api/v1/assets/AAA/prices/import/", {"file": csv(OHLCV)})
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Importing prices needs the analyst role.",
        "code": "permission_denied",
        "fields": {},
    }
    assert not PriceBar.objects.exists()


def test_anonymous_gets_401(client):
    response = client.post("/api/v1/prices/import/", {"file": csv(b"date,AAA\n2020-01-02,1\n")})
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code", "fields"}


def test_analyst_imports_one_symbol_and_gets_the_report(client, analyst):
    AssetFactory(id="AAA")
    response = client.post("/api/v1/assets/AAA/prices/import/", {"file": csv(OHLCV)})
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["rejected"], body["applied"]) == (
        2,
        0,
        0,
        0,
        True,
    )
    bar = PriceBar.objects.get(asset_id="AAA", date=date(2020, 1, 2))
    assert (bar.open, bar.high, bar.low, bar.close, bar.adj_close, bar.volume) == (10, 12, 9, 11, Decimal("10.5"), 1000)

    again = client.post("/api/v1/assets/AAA/prices/import/", {"file": csv(OHLCV)}).json()
    assert (again["created"], again["unchanged"]) == (0, 2)


def test_rejected_rows_answer_400_with_line_and_column_and_nothing_applies(client, analyst):
    AssetFactory(id="AAA")
    bad = OHLCV + b"2020-01-06,11,9,10,12,11.5,2000\n"
    response = client.post("/api/v1/assets/AAA/prices/import/", {"file": csv(bad)})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rows_rejected"
    assert body["fields"]["file"] == ["line 4, column High: high 9 is below low 10"]
    assert not PriceBar.objects.exists()


def test_skip_invalid_applies_the_valid_rows_and_lists_the_others(client, analyst):
    AssetFactory(id="AAA")
    bad = OHLCV + b"2020-01-06,11,9,10,12,11.5,2000\n"
    response = client.post("/api/v1/assets/AAA/prices/import/", {"file": csv(bad), "skip_invalid": "true"})
    assert response.status_code == 200
    assert response.json()["errors"] == [{"line": 4, "column": "High", "reason": "high 9 is below low 10"}]
    assert PriceBar.objects.count() == 2


def test_unknown_symbol_is_404_unless_creation_is_asked_for(client, analyst):
    response = client.post("/api/v1/assets/NEW/prices/import/", {"file": csv(OHLCV)})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.post(
        "/api/v1/assets/NEW/prices/import/", {"file": csv(OHLCV), "create_assets": "true", "asset_type": "crypto"}
    )
    assert response.status_code == 200
    assert Asset.objects.get(pk="NEW").type == "crypto"


def test_wide_file_endpoint_imports_every_symbol(client, analyst):
    AssetFactory(id="AAA")
    AssetFactory(id="BBB")
    response = client.post("/api/v1/prices/import/", {"file": csv(b"date,AAA,BBB\n2020-01-02,1,\n2020-01-03,2,3\n")})
    assert response.status_code == 200
    assert response.json()["symbols"] == ["AAA", "BBB"] and PriceBar.objects.count() == 3


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "invalid_file"),
        (b"Date;Close\n2020-01-02;1\n", "invalid_file"),
        (b"nonsense", "invalid_file"),
    ],
)
def test_unreadable_files_answer_400_in_the_error_shape(client, analyst, content, code):
    AssetFactory(id="AAA")
    response = client.post("/api/v1/assets/AAA/prices/import/", {"file": csv(content)})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and body["detail"] and set(body) == {"detail", "code", "fields"}


def test_upload_over_the_limit_answers_413(client, analyst, settings):
    settings.QV_IMPORT_MAX_BYTES = 1000
    AssetFactory(id="AAA")
    response = client.post("/api/v1/prices/import/", {"file": csv(b"date,AAA\n" + b"2020-01-02,1\n" * 200)})
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert not PriceBar.objects.exists()


def test_import_invalidates_the_cached_prices(client, analyst):
    AssetFactory(id="AAA")
    client.post("/api/v1/assets/AAA/prices/import/", {"file": csv(OHLCV)})
    first = client.get("/api/v1/assets/AAA/prices/").json()
    client.post("/api/v1/assets/AAA/prices/import/", {"file": csv(OHLCV + b"2020-01-06,12,14,11,13,12.5,3000\n")})
    second = client.get("/api/v1/assets/AAA/prices/").json()
    assert second != first
    assert "2020-01-06" in str(second)


def test_no_file_makes_a_500(client, analyst):
    """Mutations of a valid file (random bytes, cut lines, swapped cells, odd characters)."""
    AssetFactory(id="AAA")
    rng = random.Random(3)
    alphabet = [b",", b"\n", b"\r", b'"', b";", b"\x00", b"\xff", b"-", b"e", b"9", b"/", b".", b" ", "é".encode()]
    for _ in range(40):
        data = bytearray(OHLCV * 3)
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[position : position + 1] = rng.choice(alphabet)
            else:
                del data[position : position + rng.randint(1, 20)]
        for options in ({}, {"skip_invalid": "true"}, {"format": "wide", "create_assets": "true"}):
            response = client.post("/api/v1/assets/AAA/prices/import/", {"file": csv(bytes(data)), **options})
            assert response.status_code in (200, 400), (bytes(data), options, response.content)
            assert set(response.json()) >= (
                {"detail", "code", "fields"} if response.status_code == 400 else {"created"}
            )
