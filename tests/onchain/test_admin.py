"""Admin of on-chain records: staff only; chain records read-only; labels edited through the service."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.onchain.models import Contract, NotarisedBatch, PredictionProof, TrackedAddress, Transfer
from tests.accounts.factories import UserFactory
from tests.onchain.factories import TokenFactory, TrackedAddressFactory, TransferFactory, address, tx_hash

pytestmark = pytest.mark.django_db

MODELS = [
    "contract",
    "token",
    "trackedaddress",
    "synccheckpoint",
    "transfer",
    "tokendaily",
    "balancesnapshot",
    "trackedtransaction",
    "notarisedbatch",
    "predictionproof",
]


def _client(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


@pytest.mark.parametrize("model", MODELS)
def test_an_admin_lists_every_onchain_model(model):
    assert _client(Role.ADMIN).get(f"/admin/onchain/{model}/").status_code == 200


@pytest.mark.parametrize("role", [Role.INVESTOR, Role.ANALYST])
def test_non_admins_get_no_onchain_admin(role):
    response = _client(role).get("/admin/onchain/transfer/")
    assert response.status_code in (302, 403)


def test_a_transfer_is_read_only_even_for_an_admin():
    transfer = TransferFactory(value=5)
    client = _client(Role.ADMIN)
    url = f"/admin/onchain/transfer/{transfer.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, {"value": "999"}).status_code == 403
    assert client.post(f"/admin/onchain/transfer/{transfer.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Transfer.objects.get(pk=transfer.pk).value == 5


def test_a_tracked_address_label_is_changed_through_the_service():
    tracked = TrackedAddressFactory(label="old")
    response = _client(Role.ADMIN).post(
        f"/admin/onchain/trackedaddress/{tracked.pk}/change/", {"label": "  relabelled  ", "address": address()}
    )
    assert response.status_code == 302
    tracked.refresh_from_db()
    assert tracked.label == "relabelled"  # stripped by the service; the address is not editable
    assert TrackedAddress.objects.filter(address=tracked.address).exists()


def test_tracked_addresses_cannot_be_added_in_the_admin():
    assert _client(Role.ADMIN).get("/admin/onchain/trackedaddress/add/").status_code == 403


def test_a_token_threshold_is_editable_and_its_chain_metadata_is_not():
    token = TokenFactory(symbol="DMO", decimals=6, large_transfer_threshold=10)
    page = _client(Role.ADMIN).get(f"/admin/onchain/token/{token.pk}/change/").content.decode()
    assert 'name="large_transfer_threshold"' in page and 'name="decimals"' not in page


def _prediction():
    import datetime as dt
    from decimal import Decimal

    from apps.predictions.models import ModelVersion, Prediction
    from tests.portfolios.factories import AssetFactory

    asset = AssetFactory(id="NOTA")
    day = dt.date(2024, 1, 2)
    version = ModelVersion.objects.create(
        asset=asset,
        algorithm="selection",
        code_version="test",
        training_start=day,
        training_end=day,
        artifact="NOTA/none.joblib",
        checksum="0" * 64,
        metrics={},
    )
    price = Decimal("10")
    return Prediction.objects.create(
        asset=asset,
        model_version=version,
        model_name="naive",
        timeframe="1d",
        horizon_periods=1,
        as_of=day,
        as_of_price=price,
        target_date=day + dt.timedelta(days=1),
        predicted_price=price,
        confidence_lower=price - 1,
        confidence_upper=price + 1,
        direction="up",
        confidence_score=Decimal("0.5"),
    )


def test_a_batch_links_to_its_proofs_listed_apart():
    contract = Contract.objects.create(
        name="DataTracking",
        chain_id=1,
        address=address(),
        deploy_tx=tx_hash(),
        block_number=1,
        artifact_hash="a",
        deployer=address(),
    )
    batch = NotarisedBatch.objects.create(chain_id=1, contract=contract, root=tx_hash(), count=1)
    PredictionProof.objects.create(prediction=_prediction(), batch=batch, leaf_index=0, leaf_hash=tx_hash())
    client = _client(Role.ADMIN)
    page = client.get(f"/admin/onchain/notarisedbatch/{batch.pk}/change/").content.decode()
    assert f"?batch__id__exact={batch.pk}" in page and "1 proofs of this batch" in page
    proofs = client.get("/admin/onchain/predictionproof/", {"batch__id__exact": batch.pk})
    assert proofs.status_code == 200 and "1 prediction proof" in proofs.content.decode()
