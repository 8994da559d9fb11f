"""The forecast panel and the track record say "notarised on chain" per prediction, with its
transaction, or plainly why not; chain problems never break them. Also: predictions issued in the
embedded default are notarised without anyone running a command."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.onchain.chain import reset_chains
from apps.onchain.models import BatchStatus, Contract, NotarisedBatch, NotaryRun, PredictionProof
from apps.onchain.services import notary
from apps.predictions.models import Prediction
from quantumvest.celery import app
from quantumvest.jobs import JobState
from tests.accounts.factories import UserFactory
from tests.onchain.notary_data import issue, issue_set
from tests.predictions.conftest import make_asset

pytestmark = pytest.mark.django_db
PANEL = "/predictions/assets/NTRY/panel/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def site(client):
    client.force_login(UserFactory())
    return client


def scored(prediction: Prediction) -> None:
    Prediction.objects.filter(pk=prediction.pk).update(
        realised_price=Decimal("101"),
        realised_at=prediction.target_date,
        abs_error=Decimal("1"),
        naive_abs_error=Decimal("1"),
        in_interval=True,
        direction_correct=True,
        scored_at=timezone.now(),
    )


def test_the_panel_shows_notarised_on_chain_with_the_transaction(site, chain):
    issue_set()
    notary.notarize_pending(chain=chain)
    batch = NotarisedBatch.objects.get()

    html = site.get(PANEL, **HTMX).content.decode()

    assert html.count("Notarised on chain") == 4
    assert batch.tx_hash[:13] in html and f"block {batch.block_number}" in html
    assert "In-process chain (eth-tester)" in html  # local data says it is local
    assert "/verification/" in html


def test_the_panel_says_pending_before_the_batch_is_notarised(site, chain):
    issue_set()

    html = site.get(PANEL, **HTMX).content.decode()

    assert html.count("Pending notarisation") == 4 and "Notarised on chain" not in html


def test_the_panel_says_no_key_is_configured(site, anvil_chain, settings):
    issue(2)
    settings.ONCHAIN_PRIVATE_KEY = ""
    reset_chains()

    html = site.get(PANEL).content.decode()

    assert "Not notarised: no signing key" in html and "read-only on chain" in html


def test_the_panel_says_the_node_was_unreachable_and_still_renders(site, settings):
    from tests.anvil import free_port

    issue(2)
    settings.ONCHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    settings.ONCHAIN_PRIVATE_KEY = "0x" + "11" * 32
    reset_chains()
    notary.perform_run(run=notary.create_run(trigger="beat"))

    response = site.get(PANEL)

    assert response.status_code == 200
    assert "Not notarised yet: node unreachable" in response.content.decode()
    reset_chains()


def test_a_notarised_forecast_renders_without_asking_the_node(site, chain, settings):
    from tests.anvil import free_port

    issue_set()
    notary.notarize_pending(chain=chain)
    settings.ONCHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"  # the node is gone now
    reset_chains()

    response = site.get(PANEL)

    assert response.status_code == 200 and response.content.decode().count("Notarised on chain") == 4
    reset_chains()


def test_a_network_with_an_explorer_links_the_transaction(site, db):
    (prediction,) = issue(1)
    contract = Contract.objects.create(
        name="DataTracking",
        chain_id=11155111,
        address="0x" + "12" * 20,
        deploy_tx="0x" + "34" * 32,
        block_number=1,
        artifact_hash="0" * 64,
        deployer="0x" + "56" * 20,
    )
    batch = NotarisedBatch.objects.create(
        chain_id=11155111,
        contract=contract,
        root="0x" + "78" * 32,
        count=1,
        tx_hash="0x" + "9a" * 32,
        block_number=7,
        batch_id=0,
        status=BatchStatus.CONFIRMED,
    )
    PredictionProof.objects.create(prediction=prediction, batch=batch, leaf_index=0, leaf_hash=batch.root, proof=[])

    html = site.get(PANEL).content.decode()

    assert f'href="https://sepolia.etherscan.io/tx/{batch.tx_hash}"' in html and "Sepolia" in html


def test_the_track_record_shows_the_notarisation_of_matured_forecasts(site, chain):
    first, second = issue(2)
    notary.notarize_pending(chain=chain)
    scored(first)
    scored(second)

    html = site.get("/track-record/NTRY/").content.decode()

    assert html.count("Notarised on chain") == 2 and "On chain" in html


def test_the_track_record_says_why_a_matured_forecast_is_not_notarised(site, chain):
    (prediction,) = issue(1)
    scored(prediction)

    html = site.get("/track-record/").content.decode()

    assert "Pending notarisation" in html


@pytest.fixture
def embedded_default(chain, settings, tmp_path):
    """The `make run` configuration's notarisation: on issue, eager tasks, the in-process chain."""
    settings.ONCHAIN_NOTARIZE_ON_ISSUE = True
    settings.QV_MODEL_STORE = tmp_path / "models"
    settings.QV_AUTOTRAIN_MODELS = ["naive", "drift"]
    settings.QV_REQUIRE_APPROVED_MODEL = False
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield chain
    app.conf.task_always_eager = previous


def test_forecasts_issued_in_the_embedded_default_are_notarised_after_commit(
    embedded_default, django_capture_on_commit_callbacks
):
    make_asset("AAPL", start="2012-01-01", end="2014-12-31")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("predict", "--symbol", "AAPL", stdout=io.StringIO())

    run = NotaryRun.objects.get()
    assert (run.trigger, run.state, run.result["notarised"]) == ("issue", JobState.SUCCEEDED, 4)
    assert PredictionProof.objects.filter(batch__status=BatchStatus.CONFIRMED).count() == 4


def test_without_notarise_on_issue_forecasts_wait_for_the_nightly_run(
    embedded_default, settings, django_capture_on_commit_callbacks
):
    settings.ONCHAIN_NOTARIZE_ON_ISSUE = False
    make_asset("AAPL", start="2012-01-01", end="2014-12-31")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("predict", "--symbol", "AAPL", stdout=io.StringIO())

    assert not NotaryRun.objects.exists() and not PredictionProof.objects.exists()


def test_setup_dev_notarises_what_exists(chain, db):
    issue(3)
    lines = []

    from apps.onchain.services.demo import setup_onchain_demo

    setup_onchain_demo(write=lines.append)

    assert PredictionProof.objects.count() == 3
    assert any("3 prediction(s) in 1 batch(es)" in line for line in lines)
