"""News and sentiment use cases: add and import headlines, ingest feeds, read daily sentiment.

Headlines are scored once, when they arrive, by the offline finance lexicon
(``apps.predictions.sentiment``); the scorer's version is stored with each score so a changed
lexicon never silently rewrites history. The same URL is one item: importing it again updates
nothing and is counted as unchanged.
"""

from __future__ import annotations

import csv
import io
import re
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pandas as pd
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from apps.assets.market import market_date
from apps.assets.models import Asset
from apps.predictions.models import NewsItem
from apps.predictions.sentiment import score_text
from apps.predictions.sentiment.feeds import FeedEntry, parse_feed
from quantumvest.errors import ValidationFailed

SCORER_VERSION = "qv-lexicon-1"
CSV_COLUMNS = ("published_at", "source", "title", "url", "symbols")
MAX_CSV_BYTES = 20 * 1024 * 1024
_url = URLValidator(schemes=["http", "https"])
_CASHTAG = re.compile(r"\$([A-Z][A-Z0-9.\-]{0,9})\b")


@dataclass
class RowError:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


@dataclass
class NewsImportReport:
    created: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "unchanged": self.unchanged,
            "rejected": len(self.errors),
            "errors": [{"line": e.line, "column": e.column, "reason": e.reason} for e in self.errors],
        }


@dataclass(frozen=True)
class NewsInput:
    published_at: datetime
    source: str
    title: str
    url: str
    symbols: tuple[str, ...]
    body: str = ""


def _score_fields(title: str, body: str) -> dict:
    # Headlines carry the news; the first sentence of a body adds context when there is one.
    lede = body.split(". ")[0] if body else ""
    sentiment = score_text(f"{title}. {lede}" if lede else title)
    return {
        "sentiment_score": Decimal(str(sentiment.score)),
        "sentiment_label": sentiment.label,
        "scorer_version": SCORER_VERSION,
    }


def _store(items: list[NewsInput]) -> tuple[int, int]:
    """Insert new items (by URL) with their asset links; returns (created, unchanged)."""
    existing = set(NewsItem.objects.filter(url__in=[item.url for item in items]).values_list("url", flat=True))
    fresh = [item for item in items if item.url not in existing]
    created = NewsItem.objects.bulk_create(
        [
            NewsItem(
                published_at=item.published_at,
                source=item.source,
                title=item.title,
                url=item.url,
                body=item.body,
                **_score_fields(item.title, item.body),
            )
            for item in fresh
        ]
    )
    links = NewsItem.assets.through
    links.objects.bulk_create(
        [
            links(newsitem_id=news.pk, asset_id=symbol)
            for news, item in zip(created, fresh, strict=True)
            for symbol in item.symbols
        ],
        ignore_conflicts=True,
    )
    return len(created), len(items) - len(fresh)


def _parse_when(value: str) -> datetime | None:
    value = value.strip()
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        moment = datetime(day.year, day.month, day.day) if day else None
    if moment is not None and timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment


@transaction.atomic
def import_news_csv(*, content: bytes, skip_invalid: bool = False) -> NewsImportReport:
    """Import headlines from CSV with columns published_at, source, title, url, symbols[, body].

    ``symbols`` is a list separated by spaces, commas or semicolons; every symbol must be a known
    asset. The file applies atomically: any rejected row rejects the file unless ``skip_invalid``,
    in which case valid rows apply and every rejected row is reported (line, column, reason).
    """
    report = NewsImportReport()
    if len(content) > MAX_CSV_BYTES:
        raise ValidationFailed(f"The file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB.", code="too_large")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"The file is not UTF-8 text (byte {exc.start}).", code="not_utf8") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise ValidationFailed(
            f"Line 1: missing column(s) {', '.join(missing)}; expected {', '.join(CSV_COLUMNS)}[, body].",
            code="bad_header",
        )
    reader.fieldnames = header
    known = set(Asset.objects.values_list("id", flat=True))
    items: list[NewsInput] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        errors_before = len(report.errors)

        def reject(column: str, reason: str, line=line) -> None:
            report.errors.append(RowError(line, column, reason))

        when = _parse_when(row.get("published_at") or "")
        if when is None:
            reject("published_at", "not a date or date-time (use ISO 8601)")
        title = (row.get("title") or "").strip()
        if not title:
            reject("title", "empty")
        elif len(title) > 500:
            reject("title", "longer than 500 characters")
        url = (row.get("url") or "").strip()
        try:
            _url(url)
        except ValidationError:
            reject("url", "not an http(s) URL")
        if url in seen:
            reject("url", f"same URL as line {seen[url]}")
        symbols = tuple(s for s in re.split(r"[\s,;]+", (row.get("symbols") or "").strip().upper()) if s)
        if not symbols:
            reject("symbols", "no symbol given")
        unknown = [s for s in symbols if s not in known]
        if unknown:
            reject("symbols", f"unknown symbol(s) {', '.join(unknown)}")
        if len(report.errors) > errors_before:
            continue
        seen[url] = line
        items.append(
            NewsInput(
                published_at=when,
                source=(row.get("source") or "").strip()[:200] or "unknown",
                title=title,
                url=url,
                symbols=symbols,
                body=(row.get("body") or "").strip(),
            )
        )
    if report.errors and not skip_invalid:
        transaction.set_rollback(True)
        return report
    report.created, report.unchanged = _store(items)
    return report


@transaction.atomic
def add_news_item(
    *, published_at: datetime, source: str, title: str, url: str, symbols: Iterable[str], body: str = ""
) -> tuple[NewsItem, bool]:
    """Add one headline; returns (item, created). An existing URL returns the stored item unchanged."""
    symbols = tuple(dict.fromkeys(s.upper() for s in symbols))
    unknown = sorted(set(symbols) - set(Asset.objects.filter(id__in=symbols).values_list("id", flat=True)))
    if unknown:
        raise ValidationFailed("Unknown symbol(s).", fields={"symbols": [f"Unknown: {', '.join(unknown)}"]})
    if not symbols:
        raise ValidationFailed("Name at least one asset.", fields={"symbols": ["Name at least one asset."]})
    created, _ = _store([NewsInput(published_at, source or "api", title, url, symbols, body)])
    return NewsItem.objects.get(url=url), bool(created)


_SUFFIXES = re.compile(
    r"(\s+(inc\.?|incorporated|corporation|corp\.?|company|co\.?|ltd\.?|plc|holdings?|group|& co\.?))+$",
    flags=re.IGNORECASE,
)


def short_name(name: str) -> str:
    """'Exxon Mobil Corporation' -> 'Exxon Mobil'; 'Best Buy Co., Inc.' -> 'Best Buy'."""
    name = re.sub(r"\(.*?\)", "", name).split(",")[0].strip()
    return _SUFFIXES.sub("", name).strip()


def link_symbols(entry: FeedEntry, assets: dict[str, Asset]) -> tuple[str, ...]:
    """Assets a feed entry is about: cashtags ($AAPL), or a symbol of three or more characters, or the
    asset's name, as a whole word in the title. Short symbols need a cashtag (too many false hits)."""
    text = f"{entry.title} {entry.summary}"
    found = {tag for tag in _CASHTAG.findall(text) if tag in assets}
    for symbol, asset in assets.items():
        if len(symbol) >= 3 and re.search(rf"(?<![\w$]){re.escape(symbol)}(?!\w)", entry.title):
            found.add(symbol)
        name = short_name(asset.name)
        if len(name) >= 4 and re.search(rf"\b{re.escape(name)}\b", entry.title, flags=re.IGNORECASE):
            found.add(symbol)
    return tuple(sorted(found))


@transaction.atomic
def ingest_feed(*, content: bytes, source: str = "") -> NewsImportReport:
    """Store the entries of an RSS/Atom document that mention a known asset.

    Entries about no known asset are skipped (counted as unchanged); undated entries take the
    ingestion time.
    """
    try:
        entries = parse_feed(content, source=source)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="bad_feed") from None
    assets = {asset.id: asset for asset in Asset.objects.active()}
    items = []
    for entry in entries:
        symbols = link_symbols(entry, assets)
        if symbols:
            items.append(
                NewsInput(
                    entry.published_at or timezone.now(), entry.source, entry.title, entry.url, symbols, entry.summary
                )
            )
    report = NewsImportReport()
    report.created, report.unchanged = _store(items)
    report.unchanged += len(entries) - len(items)
    return report


def fetch_feeds(*, urls: Iterable[str], timeout: int) -> dict[str, dict]:
    """Download and ingest each feed; one failing feed does not stop the others.

    Returns, per URL, the import counts or the error that stopped it.
    """
    outcome: dict[str, dict] = {}
    for url in urls:
        try:
            _url(url)
            request = urllib.request.Request(url, headers={"User-Agent": "QuantumVest news reader"})  # noqa: S310
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) checked above
                content = response.read(MAX_CSV_BYTES + 1)
            if len(content) > MAX_CSV_BYTES:
                raise ValidationFailed("feed larger than the size limit")
            outcome[url] = ingest_feed(content=content).as_dict()
        except (OSError, ValidationError, ValidationFailed) as exc:
            outcome[url] = {"error": str(getattr(exc, "detail", exc))}
    return outcome


# --- reads ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DailySentiment:
    day: date
    mean_score: float
    items: int
    positive: int
    negative: int


def daily_sentiment(*, symbol: str, days: int = 30, until: date | None = None) -> list[DailySentiment]:
    """Mean headline score per calendar day (UTC) for one asset, oldest first, days with news only.

    The window is the ``days`` calendar days up to and including ``until``, by default the market
    date (``apps.assets.market``): with prices that end years ago, "the last 30 days" are the 30
    days the data has reached, not the wall clock's.
    """
    until = until or market_date()
    start = datetime.combine(until - timedelta(days=days - 1), datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    rows = (
        NewsItem.objects.filter(assets__id=symbol, published_at__gte=start, published_at__lt=end)
        .annotate(day=TruncDate("published_at", tzinfo=UTC))
        .values("day")
        .annotate(
            mean=Avg("sentiment_score"),
            n=Count("id"),
            pos=Count("id", filter=Q(sentiment_label="positive")),
            neg=Count("id", filter=Q(sentiment_label="negative")),
        )
        .order_by("day")
    )
    return [DailySentiment(r["day"], float(r["mean"]), r["n"], r["pos"], r["neg"]) for r in rows]


def recent_news(*, symbol: str, limit: int = 10) -> list[NewsItem]:
    return list(NewsItem.objects.filter(assets__id=symbol).order_by("-published_at")[:limit])


def sentiment_frame(*, symbol: str, start: date, end: date) -> tuple[pd.DataFrame, int]:
    """News sentiment as an exogenous daily series for forecasting, and the number of days with news.

    One row per calendar day from ``start`` to ``end``: the mean headline score over the three
    days up to and including the day before (0 where there was no news). The one-day lag keeps
    after-the-close headlines out of that day's forecast, so the series never looks ahead.
    """
    days = daily_sentiment(symbol=symbol, days=(end - start).days + 1, until=end)
    calendar = pd.date_range(start, end, freq="D")
    daily = pd.Series(0.0, index=calendar)
    for day in days:
        daily[pd.Timestamp(day.day)] = day.mean_score
    smoothed = daily.rolling(3, min_periods=1).mean().shift(1).fillna(0.0)
    return smoothed.to_frame("sentiment"), len(days)
