"""The journey of issue 11 in a real browser (Debian Chromium through Playwright): log in, watch an
asset, set an alert that an imported day will trigger, import that day from another process, and see
the notification appear on the open dashboard, without a reload, within 2 s of its creation.

Four processes, as in production: this test (the browser driver), the ASGI server (uvicorn), a
Celery worker (it evaluates the alert after the import's ``bars_imported`` event) and the
``import_prices`` command; Redis carries the task and the live event between them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.home.models import Notification
from apps.home.services.alerts import create_alert
from apps.home.services.watchlist import add_to_watchlist
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.assets.factories import AssetFactory, price_history
from tests.conftest import TEST_QUEUE
from tests.home.test_live import ROOT, server_env, start_server

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("the browser test needs /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
START = date(2021, 1, 4)


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    """Static files as production serves them (WhiteNoise from ``collectstatic``'s folder)."""
    folder = tmp_path_factory.mktemp("static")
    env = {**os.environ, "DJANGO_STATIC_ROOT": str(folder)}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    return folder


def test_an_alert_triggered_by_an_import_in_another_process_appears_on_the_open_dashboard(
    celery_worker_process, static_root, tmp_path
):
    user = UserFactory(email="live@example.com")
    asset = AssetFactory(id="LIVE", name="Live Corp")
    price_history(asset, [100, 101, 102], start=START)
    add_to_watchlist(user=user, symbol="LIVE")
    create_alert(user=user, kind="price_above", symbol="LIVE", threshold="105", channels=["in_app", "email"])
    env = server_env(QV_STREAM_HEARTBEAT="15", QV_STREAMS_PER_USER="5", DJANGO_STATIC_ROOT=str(static_root))
    server, port = start_server(env)
    base = f"http://localhost:{port}"
    day = START + timedelta(days=3)
    prices = tmp_path / "LIVE.csv"
    prices.write_text(f"Date,Open,High,Low,Close,Adj Close,Volume\n{day:%Y-%m-%d},103,111,103,110,110,1000\n")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop here
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            problems: list[str] = []
            page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.goto(base + "/accounts/login/")
            page.fill("input[name=username]", user.email)
            page.fill("input[name=password]", DEFAULT_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            assert page.locator("#watchlist-title").is_visible() and "LIVE" in page.inner_text(".watch-list")
            page.wait_for_selector("#bell .bell[data-unread='0']")
            page.evaluate("window.__notReloaded = true")
            page.wait_for_timeout(500)  # the stream is open (its "ready" event has come)

            command = [
                sys.executable,
                "manage.py",
                "import_prices",
                str(prices),
                "--format",
                "ohlcv",
                "--symbol",
                "LIVE",
            ]
            imported = subprocess.run(
                command,
                cwd=ROOT,
                env={**env, "CELERY_TASK_DEFAULT_QUEUE": TEST_QUEUE},
                capture_output=True,
                timeout=120,
            )
            assert imported.returncode == 0, imported.stderr.decode()[-2000:]

            toast = page.wait_for_selector(".toast", timeout=20_000)
            seen = timezone.now()
            notification = Notification.objects.get(user=user)
            assert (seen - notification.created_at).total_seconds() < 2
            assert "LIVE closed above 105.00 at 110.00" in toast.inner_text()
            assert page.evaluate("window.__notReloaded") is True
            page.wait_for_selector("#bell .bell[data-unread='1']", timeout=5_000)
            assert "LIVE closed above 105.00" in page.inner_text("#alerts-feed")
            assert problems == []
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        server.terminate()
        server.wait(timeout=10)
