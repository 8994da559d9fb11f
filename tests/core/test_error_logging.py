"""What the server log says about a refused request: one line, no traceback."""

from __future__ import annotations

import logging

import pytest

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_403_is_logged_once_without_a_traceback(client, caplog):
    client.force_login(UserFactory())  # an investor: importing prices needs the analyst role

    with caplog.at_level(logging.INFO):
        response = client.get("/assets/import/")

    assert response.status_code == 403
    refused = [r for r in caplog.records if "403" in r.getMessage() or "Forbidden" in r.getMessage()]
    assert len(refused) == 1, [r.getMessage() for r in caplog.records]
    assert all(r.exc_info is None and not r.exc_text for r in caplog.records)
