"""Read RSS/Atom feeds into plain news entries (no I/O here: callers pass the feed's bytes)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

import feedparser


@dataclass(frozen=True)
class FeedEntry:
    title: str
    url: str
    published_at: datetime | None
    source: str
    summary: str


class FeedError(ValueError):
    pass


def parse_feed(content: bytes, *, source: str = "") -> list[FeedEntry]:
    """Entries of an RSS or Atom document. Raises ``FeedError`` when it is not a feed at all."""
    parsed = feedparser.parse(content)
    if parsed.bozo and not parsed.entries:
        raise FeedError(f"Not a readable RSS/Atom feed: {parsed.bozo_exception}")
    feed_title = source or parsed.feed.get("title", "") or "feed"
    entries = []
    for item in parsed.entries:
        title = (item.get("title") or "").strip()
        url = (item.get("link") or "").strip()
        if not title or not url:
            continue
        stamp = item.get("published_parsed") or item.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC) if stamp else None
        entries.append(
            FeedEntry(
                title=title[:500],
                url=url[:1000],
                published_at=published,
                source=feed_title[:200],
                summary=(item.get("summary") or "").strip(),
            )
        )
    return entries
