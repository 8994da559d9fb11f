"""Fixtures of the browser checks: the demo data and a live server, built once for the package, one
Chromium, and one browser context per (signed in or not, width, colour scheme).

The data must be committed for the server thread to see it, and pytest-django's ``live_server``
flushes the database after every test; so the package starts its own live server (Django's
``LiveServerThread``, static files from the finders as ``live_server`` serves them) inside
``django_db_blocker.unblock()``, and flushes the database once at the end, as ``transactional_db``
would have done after each test.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.db import connections
from django.test import override_settings
from django.test.testcases import LiveServerThread

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Where the page checks save their screenshots: QV_SCREENSHOT_DIR (`make pytest` sets it and prints
# it), else a folder per run under var/screenshots/ (the run's id when pytest-xdist's workers share it).
RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID") or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
SCREENSHOTS = Path(os.environ.get("QV_SCREENSHOT_DIR") or ROOT / "var" / "screenshots" / RUN)
# A CSP violation is reported to the page as an event; the init script turns it into a console error.
REPORT_CSP = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
                ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


@pytest.fixture(scope="session")
def _stray_connections_closed(django_db_setup, django_db_blocker):
    """At the end of the session, before pytest-django drops this process's test database: close the
    connections that Django never closes, those of threads that have ended (a request thread of the
    live server, a job published or run in a helper thread), or the database cannot be dropped.

    Not at the end of the package: a connection that Django still holds for a later test (one kept
    in a context that Playwright's event loop copied) would be killed under it."""
    yield
    with django_db_blocker.unblock():
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connections.close_all()


@pytest.fixture(scope="package")
def site(_stray_connections_closed, django_db_setup, django_db_blocker, tmp_path_factory):
    """(base URL, demo data): the live server over the committed demo data of ``demo_data.build``."""
    from apps.onchain.chain import reset_chains
    from quantumvest.celery import app
    from tests.browser import demo_data

    folder = tmp_path_factory.mktemp("browser-site")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop here
    overrides = override_settings(
        # The live server speaks plain http: the browser must keep the session and CSRF cookies.
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        QV_MODEL_STORE=folder / "models",
        # The in-process chain (eth-tester), journalled in the temporary folder.
        ONCHAIN_RPC_URL="",
        ONCHAIN_CHAIN_ID=None,
        ONCHAIN_PRIVATE_KEY="",
        ONCHAIN_CONFIRMATIONS=None,
        ONCHAIN_CHAIN_DIR=folder / "chain",
        # No worker consumes this process's queue: what the pages queue runs at once, as in `make run`.
        CELERY_TASK_ALWAYS_EAGER=True,
    )
    # Read before the overrides: Celery loads its configuration from the settings on first access, and
    # would otherwise remember the overridden value as the one to restore.
    eager = app.conf.task_always_eager
    overrides.enable()
    app.conf.task_always_eager = True
    reset_chains()
    server = None
    with django_db_blocker.unblock():
        try:
            demo = demo_data.build(folder)
            server = LiveServerThread("localhost", StaticFilesHandler)
            server.daemon = True
            server.start()
            server.is_ready.wait()
            if server.error:
                raise server.error
            yield f"http://localhost:{server.port}", demo
        finally:
            if server is not None:
                server.terminate()
                # The server's request threads are daemons that it does not join: wait for them to
                # close their database connections, or the test database cannot be dropped.
                for thread in threading.enumerate():
                    if "process_request_thread" in thread.name:
                        thread.join(timeout=10)
            call_command("flush", interactive=False, verbosity=0)
            connections.close_all()
            app.conf.task_always_eager = eager
            reset_chains()
            overrides.disable()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="package")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def contexts(site, browser):
    """``contexts(signed_in, width, height, scheme)``: one browser context per variant, made on first
    use; a signed-in context has the demo user's session from one login through the form."""
    base, demo = site
    made = {}
    session = {}

    def make(*, width: int, height: int, scheme: str, storage_state=None):
        context = browser.new_context(
            viewport={"width": width, "height": height}, color_scheme=scheme, storage_state=storage_state
        )
        context.add_init_script(REPORT_CSP)
        context.set_default_timeout(15_000)
        return context

    def signed_in_state():
        if "state" not in session:
            context = make(width=1280, height=800, scheme="light")
            page = context.new_page()
            page.goto(base + "/accounts/login/")
            page.fill("input[name=username]", demo.email)
            page.fill("input[name=password]", demo.password)
            page.click("form button[type=submit]")
            page.wait_for_url(base + "/")
            session["state"] = context.storage_state()
            context.close()
        return session["state"]

    def get(signed_in: bool, width: int, height: int, scheme: str):
        key = (signed_in, width, height, scheme)
        if key not in made:
            made[key] = make(
                width=width, height=height, scheme=scheme, storage_state=signed_in_state() if signed_in else None
            )
        return made[key]

    yield get
    for context in made.values():
        context.close()


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.exists():
        terminalreporter.write_line(f"Browser check screenshots: {SCREENSHOTS}")
