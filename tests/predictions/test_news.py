"""News and sentiment: scoring, CSV/API/feed ingestion, daily aggregation, the asset panel."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.predictions import news
from apps.predictions.models import NewsItem
from apps.predictions.sentiment import score_text
from apps.predictions.sentiment.heldout import heldout_examples, measured_accuracy
from tests.accounts.factories import UserFactory
from tests.assets.factories import AssetFactory

FEED = Path(__file__).parent / "feeds" / "market_news.rss"
CSV_HEADER = "published_at,source,title,url,symbols\n"


@pytest.fixture
def assets(db):
    return {
        symbol: AssetFactory(id=symbol, name=name)
        for symbol, name in [("AAPL", "Apple Inc."), ("XOM", "Exxon Mobil Corporation"), ("T", "AT&T Inc.")]
    }


def test_scorer_reads_finance_phrases_and_negation():
    assert score_text("Chipmaker beats estimates and raises guidance").label == "positive"
    assert score_text("Lender cuts dividend after profit warning").label == "negative"
    assert score_text("Retailer did not beat expectations").label == "negative"
    assert score_text("Board schedules annual meeting for May").label == "neutral"


def test_heldout_accuracy_is_measured_on_the_shipped_set_and_beats_the_majority_baseline():
    examples = heldout_examples()
    figures = measured_accuracy()
    assert figures["n"] == len(examples) == 240
    assert figures["accuracy"] > figures["majority_baseline"] + 0.2


def test_csv_import_scores_links_and_is_idempotent(assets):
    content = (
        CSV_HEADER + "2020-03-03T14:00:00Z,Wire,Exxon Mobil cuts dividend,https://n.example/1,XOM\n"
        "2020-03-03,Wire,Apple beats estimates,https://n.example/2,AAPL XOM\n"
    ).encode()
    first = news.import_news_csv(content=content)
    again = news.import_news_csv(content=content)
    assert (first.created, first.unchanged, again.created, again.unchanged) == (2, 0, 0, 2)
    item = NewsItem.objects.get(url="https://n.example/2")
    assert sorted(item.assets.values_list("id", flat=True)) == ["AAPL", "XOM"]
    assert item.sentiment_label == "positive" and item.sentiment_score > 0


def test_csv_import_is_atomic_and_reports_line_and_column(assets):
    content = (
        CSV_HEADER + "2020-03-03,Wire,Fine headline,https://n.example/1,AAPL\n"
        "yesterday,Wire,Bad date,https://n.example/2,AAPL\n"
        "2020-03-03,Wire,Unknown asset,https://n.example/3,ZZZZ\n"
    ).encode()
    report = news.import_news_csv(content=content)
    assert [(e.line, e.column) for e in report.errors] == [(3, "published_at"), (4, "symbols")]
    assert NewsItem.objects.count() == 0


def test_csv_import_with_skip_invalid_applies_valid_rows(assets):
    content = (
        CSV_HEADER + "2020-03-03,Wire,Fine,https://n.example/1,AAPL\n2020-03-03,Wire,,https://n.example/2,AAPL\n"
    ).encode()
    report = news.import_news_csv(content=content, skip_invalid=True)
    assert report.created == 1 and [(e.line, e.column) for e in report.errors] == [(3, "title")]


def test_import_news_command_exits_non_zero_on_rejected_rows(assets, tmp_path):
    path = tmp_path / "news.csv"
    path.write_text(CSV_HEADER + "2020-03-03,Wire,Headline,not-a-url,AAPL\n")
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_news", str(path), stderr=stderr, stdout=io.StringIO())
    assert "line 2, column url" in stderr.getvalue()


def test_feed_ingestion_links_by_cashtag_and_name_but_not_by_short_symbols(assets):
    report = news.ingest_feed(content=FEED.read_bytes())
    stored = {item.url: sorted(item.assets.values_list("id", flat=True)) for item in NewsItem.objects.all()}
    assert stored["https://news.example.com/a/1"] == ["XOM"]
    assert stored["https://news.example.com/a/2"] == ["AAPL"]
    assert "https://news.example.com/a/3" not in stored
    assert report.created == len(stored)
    assert news.ingest_feed(content=FEED.read_bytes()).created == 0


def test_fetch_news_command_reads_local_feed_files(assets):
    out = io.StringIO()
    call_command("fetch_news", "--file", str(FEED), stdout=out)
    assert NewsItem.objects.filter(assets__id="XOM").exists()


def test_daily_sentiment_averages_per_day(assets):
    content = (
        CSV_HEADER + "2020-03-03T10:00:00Z,Wire,Exxon Mobil cuts dividend,https://n.example/1,XOM\n"
        "2020-03-03T11:00:00Z,Wire,Exxon Mobil profit warning,https://n.example/2,XOM\n"
        "2020-03-04T11:00:00Z,Wire,Exxon Mobil beats estimates,https://n.example/3,XOM\n"
    ).encode()
    news.import_news_csv(content=content)
    days = news.daily_sentiment(symbol="XOM", days=5, until=date(2020, 3, 5))
    assert [(d.day, d.items) for d in days] == [(date(2020, 3, 3), 2), (date(2020, 3, 4), 1)]
    scores = {item.url: float(item.sentiment_score) for item in NewsItem.objects.all()}
    assert days[0].mean_score == pytest.approx((scores["https://n.example/1"] + scores["https://n.example/2"]) / 2)
    assert days[0].negative == 2 and days[1].positive == 1


@pytest.mark.django_db
def test_api_lists_news_and_only_analysts_add(client, assets):
    investor, analyst = UserFactory(role="investor"), UserFactory(role="analyst")
    payload = {
        "published_at": "2020-03-03T10:00:00Z",
        "source": "Wire",
        "title": "Apple beats estimates",
        "url": "https://n.example/9",
        "symbols": ["aapl"],
    }
    client.force_login(investor)
    assert client.post("/api/v1/news/", payload, content_type="application/json").status_code == 403
    client.force_login(analyst)
    created = client.post("/api/v1/news/", payload, content_type="application/json")
    assert created.status_code == 201 and created.json()["symbols"] == ["AAPL"]
    assert client.post("/api/v1/news/", payload, content_type="application/json").status_code == 200
    client.force_login(investor)
    listed = client.get("/api/v1/news/?asset=AAPL").json()
    assert [row["url"] for row in listed["results"]] == ["https://n.example/9"]


@pytest.mark.django_db
def test_api_rejects_unknown_symbols_with_the_error_shape(client, assets):
    client.force_login(UserFactory(role="analyst"))
    response = client.post(
        "/api/v1/news/",
        {
            "published_at": "2020-03-03T10:00:00Z",
            "source": "W",
            "title": "x",
            "url": "https://n.example/1",
            "symbols": ["NOPE"],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code", "fields"} and "symbols" in response.json()["fields"]


@pytest.mark.django_db
def test_api_csv_import_reports_rejected_rows(client, assets):
    client.force_login(UserFactory(role="analyst"))
    upload = io.BytesIO((CSV_HEADER + "2020-03-03,Wire,Headline,https://n.example/1,ZZZ\n").encode())
    upload.name = "news.csv"
    response = client.post("/api/v1/news/import/", {"file": upload})
    assert response.status_code == 400
    assert response.json()["fields"]["file"] == ["line 2, column symbols: unknown symbol(s) ZZZ"]


@pytest.mark.django_db
def test_asset_sentiment_endpoint_and_bad_params(client, assets):
    client.force_login(UserFactory())
    news.import_news_csv(
        content=(CSV_HEADER + "2020-03-03T10:00:00Z,W,Exxon Mobil cuts dividend,https://n.example/1,XOM\n").encode()
    )
    ok = client.get("/api/v1/assets/xom/sentiment/?days=10&until=2020-03-05")
    assert ok.status_code == 200 and ok.json()[0]["day"] == "2020-03-03" and ok.json()[0]["mean_score"] < 0
    assert client.get("/api/v1/assets/XOM/sentiment/?days=0").status_code == 400
    assert client.get("/api/v1/assets/XOM/sentiment/?until=soon").status_code == 400
    assert client.get("/api/v1/assets/NOPE/sentiment/").status_code == 404


@pytest.mark.django_db
def test_sentiment_panel_fragment_for_htmx(client, assets):
    client.force_login(UserFactory())
    response = client.get("/predictions/assets/XOM/sentiment/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="sentiment-panel"' in body and "<html" not in body
    assert "held-out labelled headlines" in body
    assert client.get("/predictions/assets/XOM/sentiment/").content.decode().count("<html") == 1


def _market_ending_on(day: date) -> None:
    """Prices (the market date) that end on ``day``, years before the wall clock."""
    from datetime import timedelta

    from tests.assets.factories import price_history

    price_history(AssetFactory(id="SPY"), [300, 301, 302], start=day - timedelta(days=2))


def _headlines_on(*days: str) -> None:
    rows = "".join(f"{day}T10:00:00Z,Wire,Exxon Mobil cuts dividend,https://n.example/{day},XOM\n" for day in days)
    news.import_news_csv(content=(CSV_HEADER + rows).encode())


@pytest.mark.django_db
def test_the_sentiment_window_counts_back_from_the_market_date(assets):
    _market_ending_on(date(2019, 12, 31))
    # Inside the 30 days to 2019-12-31, before them, and after the market date.
    _headlines_on("2019-12-02", "2019-12-31", "2019-12-01", "2020-01-15")

    days = news.daily_sentiment(symbol="XOM", days=30)

    assert [d.day for d in days] == [date(2019, 12, 2), date(2019, 12, 31)]


@pytest.mark.django_db
def test_the_sentiment_panel_and_endpoint_show_the_market_dates_window(client, assets):
    client.force_login(UserFactory())
    _market_ending_on(date(2019, 12, 31))
    _headlines_on("2019-12-20")

    html = client.get("/predictions/assets/XOM/sentiment/", HTTP_HX_REQUEST="true").content.decode()
    api = client.get("/api/v1/assets/XOM/sentiment/").json()

    assert "30 days to the market date, 2019-12-31" in html and "2019-12-20" in html
    assert [row["day"] for row in api] == ["2019-12-20"]
