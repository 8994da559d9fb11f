"""Production settings fail at start-up, naming the variable, rather than run insecurely.

Each test runs ``manage.py check`` in a fresh process with a controlled environment.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

REQUIRED = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "JWT_SIGNING_KEY",
    "EMAIL_URL",
]


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "QV_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_DEBUG": "False",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "quantumvest.example.com",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/quantumvest"),
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
        "EMAIL_URL": "smtp+tls://user:password@smtp.example.com:587",
    }


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _last_line(result: subprocess.CompletedProcess) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_deploy_check_passes_with_the_production_variables(production_env):
    result = _manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", REQUIRED)
def test_missing_production_variable_stops_start_up_naming_it(production_env, name):
    del production_env[name]
    result = _manage(production_env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in _last_line(result)
    assert name in _last_line(result)


def test_empty_variable_counts_as_missing(production_env):
    production_env["DJANGO_SECRET_KEY"] = "  "
    result = _manage(production_env, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in _last_line(result)


def test_secret_key_can_come_from_a_file(production_env, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text(production_env.pop("DJANGO_SECRET_KEY"))
    production_env["DJANGO_SECRET_KEY_FILE"] = str(secret_file)
    assert _manage(production_env, "check").returncode == 0


def test_jwt_signing_key_equal_to_the_secret_key_is_refused(production_env):
    production_env["JWT_SIGNING_KEY"] = production_env["DJANGO_SECRET_KEY"]
    result = _manage(production_env, "check")
    assert result.returncode != 0
    assert "JWT_SIGNING_KEY must differ from DJANGO_SECRET_KEY" in _last_line(result)


def test_short_jwt_signing_key_is_refused(production_env):
    production_env["JWT_SIGNING_KEY"] = "x" * 31
    result = _manage(production_env, "check")
    assert result.returncode != 0
    assert "JWT_SIGNING_KEY must be at least 32 characters" in _last_line(result)


def test_development_mode_needs_no_variables(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "QV_VAR_DIR": str(tmp_path / "var")}
    env["DJANGO_DEBUG"] = "True"
    result = _manage(env, "check")
    assert result.returncode == 0, result.stderr
