"""Replays of short stretches of the shipped data, on the test's own chain, model store and lock."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.assets.demo import DEMO_FILES, SAMPLE_DIR
from apps.onchain.chain import get_chain, reset_chains

# From here on the demo files are copied for the tests (real rows, fewer of them: reading all of
# them takes seconds); more than two years before the replay, as training a model needs.
SOURCE_FROM = "2014-06-01"
START, END = date(2017, 11, 20), date(2017, 12, 8)


@pytest.fixture
def chain(settings, tmp_path):
    """A fresh in-process chain (eth-tester), journalled under the test's tmp_path."""
    settings.ONCHAIN_RPC_URL = ""
    settings.ONCHAIN_CHAIN_ID = None
    settings.ONCHAIN_PRIVATE_KEY = ""
    settings.ONCHAIN_CONFIRMATIONS = None
    settings.ONCHAIN_CHAIN_DIR = tmp_path / "chain"
    reset_chains()
    yield get_chain()
    reset_chains()


@pytest.fixture
def source(tmp_path) -> Path:
    """The demo files' rows from SOURCE_FROM on, under the same names."""
    directory = tmp_path / "source"
    directory.mkdir()
    for demo in DEMO_FILES:
        lines = (SAMPLE_DIR / demo.filename).read_text().splitlines(keepends=True)
        directory.joinpath(demo.filename).write_text(
            lines[0] + "".join(line for line in lines[1:] if line[:10] >= SOURCE_FROM)
        )
    return directory


@pytest.fixture
def replay_settings(settings, tmp_path, chain):
    settings.VAR_DIR = tmp_path / "var"
    settings.QV_MODEL_STORE = tmp_path / "models"
    settings.QV_REQUIRE_APPROVED_MODEL = False
    return settings


@pytest.fixture
def run_replay(replay_settings, source):
    """``manage.py replay`` on the test source; returns its output."""

    def run(start=START, end=END, issue_every=5, **extra) -> str:
        out = io.StringIO()
        arguments = ["--start", start.isoformat(), "--issue-every", str(issue_every), "--directory", str(source)]
        if end is not None:
            arguments += ["--end", end.isoformat()]
        call_command("replay", *arguments, stdout=out, skip_checks=True, **extra)
        return out.getvalue()

    return run
