"""The schemathesis lane: every operation of /api/v1/schema/, all checks, against the live server.

Bounded by tests/core/schemathesis.toml (fixed seed, at most 20 examples per operation and mode,
every phase: examples, coverage, fuzzing, stateful): about two to three minutes on two cores. The
token's user owns data (a priced asset, a portfolio with lots, runs, a forecast and a forecast
job) that the stateful phase finds through the list endpoints, so success paths are exercised.

schemathesis runs as its CLI (``st run``) against pytest-django's live server, the real stack with
every middleware: its pytest plugin (``from_fixture``) does not work with pytest 9 (it reads
``request.node._nodeid``, which pytest 9 removed). The README shows the same command by hand.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import AccessToken

from tests.accounts.factories import UserFactory
from tests.core.api_data import owned_data

CONFIG = Path(__file__).with_name("schemathesis.toml")
ST = Path(sys.executable).with_name("st")

pytestmark = [pytest.mark.schema, pytest.mark.slow]


def test_every_operation_passes_every_check(live_server, tmp_path, monkeypatch):
    # Thousands of requests from one token and one address: the API's throttles (DRF binds its rates
    # at import time) would answer 429 long before the run ends; they have tests of their own.
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {scope: "1000000/hour" for scope in SimpleRateThrottle.THROTTLE_RATES},
    )
    owner = UserFactory()
    owned_data(owner)
    token = AccessToken.for_user(owner)
    token.set_exp(lifetime=timedelta(hours=1))

    result = subprocess.run(
        [
            str(ST),
            "--config-file",
            str(CONFIG),
            "run",
            f"{live_server.url}/api/v1/schema/",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--workers",
            "2",
            "--no-color",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,  # st keeps a cache of crashes under the working directory
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        check=False,
    )

    summary = result.stdout[-8000:] + result.stderr[-2000:]
    assert result.returncode == 0, summary
    selected = re.search(r"Selected: (\d+)/(\d+)", result.stdout)
    tested = re.search(r"Tested: (\d+)", result.stdout)
    assert selected and tested, summary
    assert int(tested.group(1)) == int(selected.group(1)) == int(selected.group(2)) > 40, summary
