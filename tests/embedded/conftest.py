"""The embedded lane (`make test-embedded`): the configuration `make run` uses with nothing set.

Every test here assumes SQLite, the local-memory cache, eager Celery tasks and DEBUG on. A lane that
is not really that configuration would test the real-services setup twice and the embedded one not
at all, so every test of the lane errors, naming what differs.
"""

from __future__ import annotations

import pytest
from django.conf import settings


def _embedded_configuration_problems() -> list[str]:
    from quantumvest.celery import app

    problems = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.sqlite3":
        problems.append(f"database engine is {engine}, not SQLite")
    backend = settings.CACHES["default"]["BACKEND"]
    if backend != "django.core.cache.backends.locmem.LocMemCache":
        problems.append(f"cache backend is {backend}, not LocMemCache")
    if not settings.CELERY_TASK_ALWAYS_EAGER or not app.conf.task_always_eager:
        problems.append("Celery tasks are not eager (a broker is configured)")
    if settings.CELERY_BROKER_URL:
        problems.append(f"CELERY_BROKER_URL is set ({settings.CELERY_BROKER_URL})")
    if not settings.DEBUG:
        problems.append("DEBUG is off (run pytest with -o django_debug_mode=keep and DJANGO_DEBUG=True)")
    if not str(settings.VAR_DIR).startswith(str(settings.BASE_DIR / "var")):
        problems.append(f"QV_VAR_DIR {settings.VAR_DIR} is not under var/")
    return problems


@pytest.fixture(scope="session", autouse=True)
def _embedded_configuration():
    problems = _embedded_configuration_problems()
    if problems:
        # Every test of the lane errors with this message (pytest.exit would be lost under xdist).
        pytest.fail(
            "tests/embedded needs the `make run` configuration (run `make test-embedded`): " + "; ".join(problems)
        )
