"""The acceptance flow on anvil, and scripts/verify_prediction.py (web3 and the JSON only) run as a
separate process against anvil's URL: it agrees with the endpoint, before and after a stored
prediction is changed."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.onchain.models import NotarisedBatch
from apps.onchain.services import notary
from apps.onchain.services.deployment import deploy_contracts
from apps.predictions.models import Prediction
from tests.accounts.factories import UserFactory
from tests.onchain.notary_data import issue
from tests.predictions.conftest import make_asset

pytestmark = pytest.mark.django_db
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_prediction.py"


def run_script(body: dict, rpc: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """The script in a process of its own, outside the repository and without Django's settings."""
    path = tmp_path / "verification.json"
    path.write_text(json.dumps(body))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE", "PYTHONPATH"))}
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(path), "--rpc", rpc, "--timeout", "3"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


@pytest.fixture
def model_store(settings, tmp_path):
    settings.QV_MODEL_STORE = tmp_path / "models"
    settings.QV_AUTOTRAIN_MODELS = ["naive", "drift"]
    settings.QV_REQUIRE_APPROVED_MODEL = False


def test_acceptance_deploy_twice_predict_notarise_verify_then_tamper(anvil_chain, anvil, api, model_store, tmp_path):
    out = io.StringIO()
    call_command("deploy_contracts", stdout=out)
    call_command("deploy_contracts", stdout=out)
    assert "deployed DataTracking" in out.getvalue() and "reused   DataTracking" in out.getvalue()
    make_asset("AAPL", start="2012-01-01", end="2014-12-31")
    call_command("predict", "--symbol", "AAPL", stdout=out)
    call_command("notarize_predictions", stdout=out)

    predictions = list(Prediction.objects.order_by("horizon_periods"))
    assert len(predictions) == 4 and NotarisedBatch.objects.get().count == 4
    bodies = [api.get(f"/api/v1/predictions/{p.pk}/verification/").json() for p in predictions]
    assert [b["verified"] for b in bodies] == [True] * 4
    checked = run_script(bodies[0], anvil.url, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "VERIFIED" in checked.stdout

    changed = predictions[0]
    Prediction.objects.filter(pk=changed.pk).update(predicted_price=changed.predicted_price + Decimal("1"))
    after = api.get(f"/api/v1/predictions/{changed.pk}/verification/").json()
    assert after["verified"] is False
    rechecked = run_script(after, anvil.url, tmp_path)
    assert rechecked.returncode == 1, rechecked.stdout + rechecked.stderr
    assert "NOT VERIFIED" in rechecked.stdout
    assert api.get(f"/api/v1/predictions/{predictions[1].pk}/verification/").json()["verified"] is True


@pytest.fixture
def verified_body(anvil_chain, api):
    deploy_contracts(chain=anvil_chain)
    prediction = issue(3)[1]
    notary.notarize_pending(chain=anvil_chain)
    return api.get(f"/api/v1/predictions/{prediction.pk}/verification/").json()


def test_the_script_ignores_a_forged_verified_flag_and_root(verified_body, anvil, tmp_path):
    forged = verified_body | {"proof": ["0x" + "00" * 32, *verified_body["proof"][1:]], "verified": True}
    result = run_script(forged, anvil.url, tmp_path)
    assert result.returncode == 1 and "NOT VERIFIED" in result.stdout


def test_the_script_recomputes_the_leaf_from_the_record_not_the_hash_field(verified_body, anvil, tmp_path):
    forged = verified_body | {"record": verified_body["record"] | {"direction": "sideways"}}
    result = run_script(forged, anvil.url, tmp_path)
    assert result.returncode == 1 and "differs: ignored" in result.stdout


def test_the_script_refuses_a_node_of_another_chain(verified_body, anvil, tmp_path):
    result = run_script(verified_body | {"chain_id": 1}, anvil.url, tmp_path)
    assert result.returncode == 2 and "the batch on chain 1" in result.stderr


def test_the_script_says_so_when_the_node_is_not_there(verified_body, tmp_path):
    from tests.anvil import free_port

    result = run_script(verified_body, f"http://127.0.0.1:{free_port()}", tmp_path)
    assert result.returncode == 2 and "could not read batch" in result.stderr


def test_the_script_says_a_pending_prediction_is_not_notarised(anvil_chain, anvil, api, tmp_path):
    (prediction,) = issue(1)
    body = api.get(f"/api/v1/predictions/{prediction.pk}/verification/").json()
    result = run_script(body, anvil.url, tmp_path)
    assert result.returncode == 1 and "not notarised" in result.stdout
