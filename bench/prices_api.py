"""Throughput and latency of GET /api/v1/assets/{symbol}/prices/ against a trivial JSON view.

Issue 3 targets: the prices endpoint, for 10 years of daily bars, serves at least 15% of the
throughput of a trivial JSON view measured in the same run (gunicorn, 2 workers (uvicorn's ASGI worker, or sync with --server wsgi), 8 concurrent
clients on loopback), with p95 latency under 50 ms.

What it does: creates a throwaway PostgreSQL database, migrates it, imports 10 years of real SPY
bars (data/sample/yahoo_SPY_2008_2017.csv, 2,519 bars) with the product's import_prices command,
starts gunicorn (production-like settings, DEBUG off) with the product's URLs plus a trivial
JsonResponse view (bench/prices_api_urls.py), authenticates with a JWT, then drives both URLs with
wrk (apt-get install -y wrk) for --duration seconds each, 8 connections. Also prints the latency of
uncached requests (distinct ranges, so each one builds its response from the database).
Everything it started is stopped and the database dropped at the end.

Usage: .venv/bin/python bench/prices_api.py [--duration 10] [--connections 8] [--workers 2]
Environment: BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432), REDIS_URL (default
redis://127.0.0.1:6379/15; keys are prefixed per run).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SAMPLE = ROOT / "data" / "sample" / "yahoo_SPY_2008_2017.csv"
SYMBOL = "SPY"
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("P95_US %d\\nP50_US %d\\nERRORS %d\\n", latency:percentile(95), latency:percentile(50),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="prices_api_settings",
        PYTHONPATH=f"{ROOT / 'bench'}:{ROOT}",
        DJANGO_DEBUG="False",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        JWT_SIGNING_KEY=secrets.token_urlsafe(50),
        JWT_ACCESS_MINUTES="120",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="False",
        DATABASE_URL=database_url,
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        CELERY_BROKER_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        CACHE_KEY_PREFIX=f"qv-bench-prices-{os.getpid()}",
        EMAIL_URL="locmem://",
        QV_VAR_DIR=tempfile.mkdtemp(prefix="qv-bench-prices-"),
        LOG_LEVEL="WARNING",
        # The benchmark measures serving, not throttling: one user's thousands of requests a minute
        # would otherwise meet the per-user and per-tier limits (429s, counted as non-2xx).
        API_USER_THROTTLE_RATE="1000000000/hour",
        API_TIER_THROTTLE_RATE="1000000000/min",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return result.stdout


def get(url: str, token: str | None = None) -> tuple[int, bytes, float]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    started = time.perf_counter()
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = connection.getresponse()
        return response.status, response.read(), time.perf_counter() - started
    finally:
        connection.close()


def wrk(url: str, token: str | None, duration: int, connections: int, script: str) -> dict:
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", script]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p95_ms": int(re.search(r"P95_US (\d+)", output).group(1)) / 1000,
        "p50_ms": int(re.search(r"P50_US (\d+)", output).group(1)) / 1000,
        "errors": int(re.search(r"ERRORS (\d+)", output).group(1)),
        "non_2xx": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--server",
        choices=["asgi", "wsgi"],
        default="asgi",
        help="asgi: gunicorn with uvicorn workers (production); wsgi: gunicorn sync workers",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")

    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    name = f"qv_bench_prices_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env = environment(f"{server}/{name}")
    gunicorn = None
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(
            env,
            "import_prices",
            str(SAMPLE),
            "--format",
            "ohlcv",
            "--symbol",
            SYMBOL,
            "--type",
            "etf",
            "--create-assets",
        )
        token = (
            manage(
                env,
                "shell",
                "-c",
                "from apps.accounts.models import User; from rest_framework_simplejwt.tokens import AccessToken; "
                "u = User.objects.create_user('bench@example.com', None); print(AccessToken.for_user(u))",
            )
            .strip()
            .splitlines()[-1]
        )

        port = free_port()
        gunicorn = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "quantumvest.asgi:application" if args.server == "asgi" else "quantumvest.wsgi",
                "-k",
                "uvicorn_worker.UvicornWorker" if args.server == "asgi" else "sync",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                get(f"{base}/bench/trivial/")
                break
            except OSError:
                if time.monotonic() > deadline or gunicorn.poll() is not None:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.3)

        prices = f"{base}/api/v1/assets/{SYMBOL}/prices/"
        status, body, _ = get(prices, token)
        payload = json.loads(body)
        assert status == 200 and len(payload["data"]) == 2519, (status, len(payload["data"]))
        print(
            f"prices payload: {len(payload['data'])} daily bars {payload['start']}..{payload['end']}, {len(body):,} bytes"
        )

        cold = []
        for day in range(1, 21):  # distinct ranges: each request misses the cache and reads the database
            cold.append(get(f"{prices}?start=2008-01-{day:02d}", token)[2] * 1000)
        print(
            f"uncached prices requests (20, one at a time): median {statistics.median(cold):.1f} ms, max {max(cold):.1f} ms"
        )

        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        for url, auth in ((f"{base}/bench/trivial/", None), (prices, token)):
            wrk(url, auth, 2, args.connections, script.name)  # warm-up: workers, connections, cache
        get(f"{prices}?interval=1mo", token)
        trivial = wrk(f"{base}/bench/trivial/", None, args.duration, args.connections, script.name)
        served = wrk(prices, token, args.duration, args.connections, script.name)
        monthly = wrk(f"{prices}?interval=1mo", token, args.duration, args.connections, script.name)
        # One connection: the time a worker spends on one request, without queueing behind others.
        single = wrk(prices, token, max(3, args.duration // 3), 1, script.name)
        os.unlink(script.name)

        print(
            f"gunicorn {args.workers} {'uvicorn (ASGI)' if args.server == 'asgi' else 'sync (WSGI)'} workers, {args.connections} concurrent connections (wrk), {args.duration} s per URL, loopback"
        )
        for label, result in (
            ("trivial JSON view", trivial),
            ("prices, 10y daily", served),
            ("prices, 10y monthly", monthly),
        ):
            print(
                f"{label:>19}: {result['rps']:8.1f} req/s  p50 {result['p50_ms']:6.2f} ms  p95 {result['p95_ms']:6.2f} ms  "
                f"({result['requests']} requests, {result['errors']} socket errors, {result['non_2xx']} non-2xx)"
            )
        print(f"prices, one connection: p50 {single['p50_ms']:.2f} ms, p95 {single['p95_ms']:.2f} ms (service time)")
        with open("/proc/loadavg") as loadavg:
            print(
                f"load average during the run (1, 5, 15 min): {' '.join(loadavg.read().split()[:3])} on {os.cpu_count()} CPUs"
            )
        ratio = served["rps"] / trivial["rps"]
        print(f"throughput ratio prices/trivial: {ratio:.1%} (target >= 15%): {'PASS' if ratio >= 0.15 else 'FAIL'}")
        print(f"prices p95: {served['p95_ms']:.2f} ms (target < 50 ms): {'PASS' if served['p95_ms'] < 50 else 'FAIL'}")
    finally:
        if gunicorn:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(env["QV_VAR_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
