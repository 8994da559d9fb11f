"""The measured effect of on-chain activity is shown in the model version's admin page, beside sentiment's."""

from __future__ import annotations

import pytest

from tests.accounts.factories import UserFactory
from tests.predictions.conftest import version_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst_client(client):
    from apps.accounts.roles import sync_role_groups

    sync_role_groups()
    client.force_login(UserFactory(role="analyst"))
    return client


def test_the_version_page_shows_what_each_input_did(analyst_client, plain_asset):
    onchain = {"offered": True, "kept": True, "rel_mae_with": 0.8125, "rel_mae_without": 0.9731, "t": 3.2}
    sentiment = {"offered": False, "reason": "Not enough news: 0 day(s) with headlines, 250 needed to backtest it."}
    version = version_row(
        plain_asset,
        metrics={"1d": {"model": "sklearn", "metrics": {}, "onchain": onchain, "sentiment": sentiment}},
        parameters={"onchain_horizons": ["1d"], "sentiment_horizons": []},
    )
    page = analyst_client.get(f"/admin/predictions/modelversion/{version.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "on-chain activity: kept (relMAE 0.812 with, 0.973 without)" in text
    assert "news sentiment: not offered" in text


def test_a_horizon_whose_backtest_failed_says_so_instead_of_breaking_the_page(analyst_client, plain_asset):
    failed = {"offered": True, "kept": False, "reason": "A backtest at horizon 63 needs at least 1200 prices"}
    version = version_row(plain_asset, metrics={"3m": {"model": "naive", "metrics": {}, "onchain": failed}})
    page = analyst_client.get(f"/admin/predictions/modelversion/{version.pk}/change/")
    assert page.status_code == 200
    assert "on-chain activity: not measured (A backtest at horizon 63" in page.content.decode()
