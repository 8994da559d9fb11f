"""Upload limits apply while the body streams: an oversized upload is refused (413) unread."""

from __future__ import annotations

import gc
import json
import os

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test.client import RequestFactory

from apps.portfolios.models import PortfolioAsset
from tests.accounts.factories import UserFactory
from tests.portfolios.factories import PortfolioFactory

pytestmark = pytest.mark.django_db

BOUNDARY = "qvBoundary7MA4YWxkTrZu0gW"
MB = 1024 * 1024


class MultipartStream:
    """A multipart body of one file of ``file_size`` bytes, produced on demand (never held whole)."""

    def __init__(self, file_size: int, field: str = "file"):
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.file_size = file_size
        self.length = len(self.head) + file_size + len(self.tail)
        self.consumed = 0

    def _byte_at(self, position: int, size: int) -> bytes:
        head, body_end = len(self.head), len(self.head) + self.file_size
        out = bytearray()
        while size > 0 and position < self.length:
            if position < head:
                piece = self.head[position : position + size]
            elif position < body_end:
                piece = b"x" * min(size, body_end - position)
            else:
                piece = self.tail[position - body_end : position - body_end + size]
            out += piece
            position += len(piece)
            size -= len(piece)
        return bytes(out)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.length - self.consumed
        data = self._byte_at(self.consumed, min(size, 1 << 20))
        self.consumed += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def post_stream(client, path: str, stream: MultipartStream, *, declared: int | None = None, htmx=False):
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(stream.length if declared is None else declared),
        HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
        **({"HTTP_HX_REQUEST": "true"} if htmx else {}),
    )
    environ["wsgi.input"] = stream
    status_line = []
    # As Django's test client does: the test's database connection must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = WSGIHandler()(environ, lambda status, headers, exc_info=None: status_line.append(status))
        body = b"".join(result)
        result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return int(status_line[0].split()[0]), body


@pytest.fixture
def portfolio(client):
    user = UserFactory()
    client.force_login(user)
    return PortfolioFactory(user=user)


@pytest.mark.parametrize("face", ["page", "api"])
def test_a_200_mb_holdings_upload_answers_413_without_reading_it(client, portfolio, face):
    path = (
        f"/portfolios/{portfolio.id}/import/"
        if face == "page"
        else f"/api/v1/portfolios/{portfolio.id}/holdings/import/"
    )
    stream = MultipartStream(200 * MB)
    gc.collect()
    before = rss_bytes()
    status, body = post_stream(client, path, stream)
    growth = rss_bytes() - before
    assert status == 413
    assert b"1,000,000 bytes" in body
    assert stream.consumed < MB
    assert growth < 20 * MB, f"RSS grew by {growth / MB:.1f} MB"
    assert not PortfolioAsset.objects.exists()


def test_the_api_answers_413_in_the_error_shape(client, portfolio):
    status, body = post_stream(client, f"/api/v1/portfolios/{portfolio.id}/holdings/import/", MultipartStream(5 * MB))
    assert status == 413
    assert json.loads(body) == {
        "detail": "The file is larger than the limit of 1,000,000 bytes.",
        "code": "file_too_large",
        "fields": {"file": ["The file is larger than the limit of 1,000,000 bytes."]},
    }


def test_a_file_over_the_limit_within_the_declared_slack_stops_while_streaming(client, portfolio):
    stream = MultipartStream(1_040_000)  # declared length passes (limit + multipart slack); the file does not
    status, body = post_stream(client, f"/portfolios/{portfolio.id}/import/", stream, htmx=True)
    assert status == 413
    assert b"1,000,000 bytes" in body and b"<html" not in body


def test_a_declared_length_smaller_than_the_body_reads_no_further(client, portfolio):
    stream = MultipartStream(200 * MB)
    status, _ = post_stream(client, f"/portfolios/{portfolio.id}/import/", stream, declared=900_000)
    assert status in (403, 413, 422)  # CSRF refuses the truncated form; never a 500
    assert stream.consumed <= 900_000


def test_price_file_routes_use_qv_import_max_bytes(client, settings):
    settings.QV_IMPORT_MAX_BYTES = 100_000
    client.force_login(UserFactory(role="analyst"))
    stream = MultipartStream(300 * MB)
    status, body = post_stream(client, "/api/v1/prices/import/", stream)
    assert status == 413 and b"100,000 bytes" in body and stream.consumed == 0


def test_news_csv_route_has_its_own_limit(client, settings):
    settings.QV_NEWS_IMPORT_MAX_BYTES = 50_000
    client.force_login(UserFactory(role="analyst"))
    status, body = post_stream(client, "/api/v1/news/import/", MultipartStream(120_000))
    assert status == 413 and b"50,000 bytes" in body


def test_every_route_with_its_own_limit_exists():
    """A renamed URL would silently fall back to the general limit."""
    from django.urls import NoReverseMatch, get_resolver

    from quantumvest.uploads import route_limits

    names = set()
    resolver = get_resolver()
    for name in route_limits():
        namespace, _, short = name.partition(":")
        try:
            names.add(short in resolver.namespace_dict[namespace][1].reverse_dict)
        except (KeyError, NoReverseMatch):
            names.add(False)
    assert names == {True}
