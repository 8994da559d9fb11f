"""Concurrent updates of one lot: each PATCH writes only its own fields, under a row lock."""

from __future__ import annotations

import contextlib
import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.portfolios import services
from apps.portfolios.models import PortfolioAsset
from quantumvest.errors import NotFound
from tests.portfolios.factories import LotFactory

# Both requests meet here after reading the lot and before writing it, when the code lets them
# (a whole-row save without a lock does): that is the interleaving that loses an update. With the
# row locked the second request waits for the first to commit, so the meeting times out and each
# goes on alone.
MEETING_TIMEOUT = 1.5


@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_of_different_fields_keep_both(monkeypatch):
    lot = LotFactory(quantity=Decimal("10"), purchase_price=Decimal("100"))
    user = lot.portfolio.user
    url = f"/api/v1/portfolios/{lot.portfolio_id}/holdings/{lot.id}/"
    start = threading.Barrier(2)
    meeting = threading.Barrier(2, timeout=MEETING_TIMEOUT)
    real_validate = services._validate_lot

    def validate_then_meet(*args, **kwargs):
        real_validate(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            meeting.wait()

    monkeypatch.setattr(services, "_validate_lot", validate_then_meet)
    statuses: dict[str, int] = {}

    def patch(body: dict) -> None:
        try:
            client = APIClient()
            client.force_authenticate(user)
            start.wait(timeout=10)
            statuses[next(iter(body))] = client.patch(url, body, format="json").status_code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=patch, args=({"quantity": "25.5"},)),
        threading.Thread(target=patch, args=({"purchase_price": "123.45"},)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == {"quantity": 200, "purchase_price": 200}
    lot = PortfolioAsset.objects.get(pk=lot.pk)
    assert (lot.quantity, lot.purchase_price) == (Decimal("25.5"), Decimal("123.45"))


@pytest.mark.django_db
def test_update_lot_writes_only_the_given_fields():
    lot = LotFactory(quantity=Decimal("10"), purchase_price=Decimal("100"))
    stale = PortfolioAsset.objects.get(pk=lot.pk)
    PortfolioAsset.objects.filter(pk=lot.pk).update(purchase_price=Decimal("150"))

    updated = services.update_lot(lot=stale, quantity=Decimal("3"))

    assert (updated.quantity, updated.purchase_price) == (Decimal("3"), Decimal("150"))
    fresh = PortfolioAsset.objects.get(pk=lot.pk)
    assert (fresh.quantity, fresh.purchase_price) == (Decimal("3"), Decimal("150"))


@pytest.mark.django_db
def test_updating_a_lot_deleted_meanwhile_is_not_found():
    lot = LotFactory()
    stale = PortfolioAsset.objects.get(pk=lot.pk)
    PortfolioAsset.objects.filter(pk=lot.pk).delete()

    with pytest.raises(NotFound):
        services.update_lot(lot=stale, quantity=Decimal("3"))
