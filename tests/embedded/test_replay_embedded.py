"""The market replay on the `make run` configuration, as its own process on a SQLite file.

``make run`` starts the replay as a background process while the development server serves: the
two share one SQLite database (WAL, a busy timeout) and the in-process chain's journal. Here a
replay process is killed with SIGKILL half-way while another process writes to the database,
then a second replay resumes it after its last finished day.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.replay.conftest import SOURCE_FROM

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _environment(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env |= {"DJANGO_DEBUG": "True", "QV_VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _manage(env, *arguments, **options):
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, **options
    )


def _run_row(database: Path):
    with sqlite3.connect(database, timeout=20) as connection:
        return connection.execute("SELECT state, days_done, days_total, current_day FROM replay_replayrun").fetchone()


@pytest.fixture
def demo_source(tmp_path) -> Path:
    from apps.assets.demo import DEMO_FILES, SAMPLE_DIR

    directory = tmp_path / "source"
    directory.mkdir()
    for demo in DEMO_FILES:
        lines = (SAMPLE_DIR / demo.filename).read_text().splitlines(keepends=True)
        directory.joinpath(demo.filename).write_text(
            lines[0] + "".join(line for line in lines[1:] if line[:10] >= SOURCE_FROM)
        )
    return directory


def test_a_replay_killed_half_way_resumes_after_its_last_finished_day_while_others_write(tmp_path, demo_source):
    var_dir = tmp_path / "var"
    env = _environment(var_dir)
    assert _manage(env, "migrate", "--no-input", timeout=300).returncode == 0
    database = var_dir / "db.sqlite3"
    command = ["replay", "--start", "2017-11-20", "--end", "2018-02-28", "--directory", str(demo_source)]

    first = subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            row = _run_row(database) if database.exists() else None
            if row and row[1] >= 4:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the replay did not get through 4 days in 240 s")
        # Another process writes while the replay does: it waits for the lock, it does not fail.
        writer = _manage(
            env,
            "shell",
            "-c",
            "from apps.accounts import services; services.ensure_demo_user(email='w@example.com', password='x' * 12)",
            timeout=120,
        )
        assert writer.returncode == 0, writer.stderr
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGKILL)
    state, done, total, _ = _run_row(database)
    assert state == "running" and 4 <= done < total

    second = _manage(env, *command, timeout=600)

    assert second.returncode == 0, second.stderr
    state, done_after, _, last_after = _run_row(database)
    assert (state, done_after, last_after) == ("succeeded", total, "2018-02-28")
    assert f"({done + 1}/{total} days" in second.stdout  # it went on from the day after the last one done
    with sqlite3.connect(database) as connection:
        duplicates = connection.execute(
            "SELECT count(*) FROM (SELECT asset_id, as_of, timeframe FROM predictions_prediction "
            "GROUP BY asset_id, as_of, timeframe HAVING count(*) > 1)"
        ).fetchone()[0]
        replayed, live = connection.execute(
            "SELECT sum(replayed), sum(1 - replayed) FROM predictions_prediction"
        ).fetchone()
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert duplicates == 0 and replayed > 0 and live == 0
    assert mode == "wal"
