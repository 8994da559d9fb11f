import pytest

from quantumvest.celery import ping

pytestmark = pytest.mark.worker


def test_real_worker_round_trips_a_task(celery_worker_process):
    result = ping.delay("round-trip")
    assert result.get(timeout=30) == "round-trip"


def test_tasks_serialise_as_json_only():
    from quantumvest.celery import app

    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit < app.conf.task_time_limit
