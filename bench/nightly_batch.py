"""Nightly forecast batch: the 20 demo stocks + BTC, with one Celery worker and with two.

Targets (issue 4): <= 2 min with one worker, >= 1.7x faster with two.

What it does, on a throwaway PostgreSQL database and loopback Redis:
1. creates the database ``qv_bench_nightly`` (dropped first if it exists), migrates, loads the shipped
   demo prices (``load_demo``: real historical prices) and deactivates SPY, leaving 20 stocks + BTC;
2. trains one model version per asset with ``QV_AUTOTRAIN_MODELS`` (timed separately: training
   is not part of the nightly batch);
3. three times (BENCH_REPEATS), for 1 and then 2 worker processes (``--pool=solo``, one task at a time each): deletes every
   prediction, starts the workers, queues ``generate_nightly`` (which fans out one task per asset)
   and times until all 21 x 4 forecasts are stored; the medians and their ratio are printed.

Run: ``.venv/bin/python bench/nightly_batch.py`` (env: BENCH_DATABASE_URL, BENCH_REDIS_URL).
"""

from __future__ import annotations

import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "qv_bench_nightly"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
QUEUE = f"qv-bench-nightly-{os.getpid()}"
LOG = open(Path(tempfile.gettempdir()) / "qv-bench-nightly-workers.log", "ab")  # noqa: SIM115
# BENCH_SERVE=sklearn: a stress variant where every forecast fits that model (see serve_everywhere).
SERVE = os.environ.get("BENCH_SERVE", "")
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
STORE = Path(tempfile.mkdtemp(prefix="qv-bench-models-"))

ENV = {
    "DJANGO_DEBUG": "False",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "localhost",
    "DATABASE_URL": f"{SERVER}/{DB_NAME}",
    "REDIS_URL": REDIS,
    "CELERY_BROKER_URL": REDIS,
    "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
    "EMAIL_URL": "locmem://",
    "QV_VAR_DIR": str(STORE.parent / "qv-bench-var"),
    "QV_MODEL_STORE": str(STORE),
    "LOG_LEVEL": "WARNING",
    # One thread per worker process: scaling comes from processes, not from OpenMP inside one.
    "OMP_NUM_THREADS": "1",
    "DJANGO_SETTINGS_MODULE": "quantumvest.settings",
}


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DB_NAME}"')


def start_workers(count: int) -> list[subprocess.Popen]:
    env = {**os.environ, **ENV}
    workers = []
    for number in range(count):
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "quantumvest",
                    "worker",
                    "--pool=solo",
                    "--concurrency=1",
                    "-Q",
                    QUEUE,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-l",
                    "WARNING",
                    "-n",
                    f"bench{number}-{os.getpid()}@%h",
                ],
                env=env,
                cwd=ROOT,
                stdout=LOG,
                stderr=subprocess.STDOUT,
            )
        )
    from quantumvest.celery import app

    names = [f"bench{number}-{os.getpid()}@{socket.gethostname()}" for number in range(count)]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if len(app.control.ping(destination=names, timeout=1)) == count:
            return workers
    stop_workers(workers)
    raise SystemExit(f"{count} worker(s) did not answer within 300 s; see {LOG.name}.")


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def run_batch(workers: int, expected: int) -> float:
    from apps.predictions.models import Prediction
    from apps.predictions.tasks import generate_nightly

    Prediction.objects.all().delete()
    processes = start_workers(workers)
    try:
        started = time.perf_counter()
        queued = generate_nightly.delay().get(timeout=120)
        assert queued * 4 == expected, f"{queued} assets queued"
        while Prediction.objects.count() < expected:
            if time.perf_counter() - started > 900:
                raise SystemExit(f"Batch with {workers} worker(s) did not finish in 15 min.")
            time.sleep(0.2)
        return time.perf_counter() - started
    finally:
        stop_workers(processes)


def main() -> None:
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    recreate_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from apps.assets.models import Asset
    from apps.predictions import services

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    Asset.objects.filter(pk="SPY").update(is_active=False)
    assets = list(Asset.objects.active().filter(bars__isnull=False).distinct().order_by("pk"))
    print(f"{len(assets)} assets: {', '.join(a.pk for a in assets)}")
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}")

    started = time.perf_counter()
    for asset in assets:
        version = services.train_model_version(
            asset=asset, models=settings.QV_AUTOTRAIN_MODELS, origins=settings.QV_AUTOTRAIN_ORIGINS
        )
        if SERVE:
            serve_everywhere(version, SERVE)
    print(
        f"training ({','.join(settings.QV_AUTOTRAIN_MODELS)}, {settings.QV_AUTOTRAIN_ORIGINS} origins), "
        f"not part of the batch: {time.perf_counter() - started:.1f} s"
    )
    if SERVE:
        print(f"STRESS VARIANT: every horizon of every asset served by {SERVE!r} (not what selection chose)")

    expected = 4 * len(assets)
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(REPEATS):
        for workers in (1, 2):
            times[workers].append(run_batch(workers, expected))
    one, two = (statistics.median(times[n]) for n in (1, 2))
    print(f"nightly batch, 1 worker:  median {one:6.1f} s of {fmt(times[1])}  (target <= 120 s)")
    print(f"nightly batch, 2 workers: median {two:6.1f} s of {fmt(times[2])}")
    print(f"speed-up: {one / two:.2f}x (target >= 1.7x); load average after: {os.getloadavg()[0]:.1f}")
    print(f"control: pure-CPU work in two processes vs one on this host now: {cpu_control():.2f}x")


def serve_everywhere(version, model: str) -> None:
    """A stress variant: an approved copy of ``version`` that serves ``model`` at every horizon, so the
    batch measures that model's fitting cost. Its intervals fall back to the random walk's recent
    errors (no walk-forward scores are stored for it). Never a real selection: labelled as such."""
    from apps.predictions import registry
    from apps.predictions.forecasting import Selection
    from apps.predictions.models import ModelVersion, VersionStatus

    horizons = version.parameters["horizons"]
    copy = ModelVersion.objects.get(pk=version.pk)
    copy.pk = None
    copy.id = uuid.uuid4()
    copy.algorithm = f"bench-stress-{model}"
    copy.status = VersionStatus.APPROVED
    copy.metrics = {name: {"model": model, "beats_random_walk": False, "metrics": {}} for name in horizons}
    copy.artifact = f"{version.asset_id}/{copy.id}.joblib"
    selections = {
        name: Selection(horizon=h, model=model, beats_random_walk=False, metrics={}, calibration={}).to_dict()
        for name, h in horizons.items()
    }
    copy.checksum = registry.save_artifact(copy.artifact, {"asset": version.asset_id, "selections": selections})
    copy.save()


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def cpu_control(n: int = 15_000_000) -> float:
    """How much faster two processes do the same pure-CPU work than one, on this machine now:
    the ceiling for the batch's speed-up (a shared, loaded host cannot give 2x to anyone)."""
    import multiprocessing

    started = time.perf_counter()
    _burn(n), _burn(n)
    serial = time.perf_counter() - started
    started = time.perf_counter()
    with multiprocessing.Pool(2) as pool:
        pool.map(_burn, [n, n])
    return serial / (time.perf_counter() - started)


def fmt(values: list[float]) -> str:
    return ", ".join(f"{value:.1f}" for value in values)


if __name__ == "__main__":
    main()
