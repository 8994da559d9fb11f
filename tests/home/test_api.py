"""The home app's API: watchlist, alerts, notifications and plan; tier limits answer 403
``tier_limit``; another user's objects answer 404."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import SubscriptionTier
from apps.accounts.tiers import LIMITS
from apps.home.models import Alert, Notification, WatchlistEntry
from tests.assets.factories import AssetFactory, price_history
from tests.home.factories import AlertFactory, NotificationFactory, WatchlistEntryFactory
from tests.portfolios.factories import PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db

FREE = LIMITS[SubscriptionTier.FREE]


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_watchlist_add_is_201_then_200_lists_and_deletes():
    user = UserFactory()
    AssetFactory(id="AAPL", name="Apple Inc.")
    api = _api(user)
    assert api.post("/api/v1/watchlist/", {"symbol": "aapl"}, format="json").status_code == 201
    again = api.post("/api/v1/watchlist/", {"symbol": "AAPL"}, format="json")
    assert again.status_code == 200 and again.json()["symbol"] == "AAPL"
    listed = api.get("/api/v1/watchlist/").json()
    assert [row["symbol"] for row in listed["results"]] == ["AAPL"] and listed["results"][0]["name"] == "Apple Inc."
    assert api.delete("/api/v1/watchlist/AAPL/").status_code == 204
    assert api.delete("/api/v1/watchlist/AAPL/").status_code == 404


def test_watchlist_refuses_an_unknown_symbol_on_its_field():
    response = _api(UserFactory()).post("/api/v1/watchlist/", {"symbol": "NOPE"}, format="json")
    assert response.status_code == 400 and response.json()["fields"] == {"symbol": ["No asset NOPE."]}


def test_watchlist_past_the_free_limit_is_403_tier_limit_naming_the_limit():
    user = UserFactory()
    for _ in range(FREE.watched_assets):
        WatchlistEntryFactory(user=user)
    AssetFactory(id="ONEMORE")
    response = _api(user).post("/api/v1/watchlist/", {"symbol": "ONEMORE"}, format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "tier_limit" and f"allows {FREE.watched_assets} watched assets" in body["detail"]
    assert WatchlistEntry.objects.filter(user=user).count() == FREE.watched_assets


def test_a_pro_user_gets_more_watched_assets():
    user = UserFactory(subscription_tier=SubscriptionTier.PRO)
    for _ in range(FREE.watched_assets):
        WatchlistEntryFactory(user=user)
    AssetFactory(id="ONEMORE")
    assert _api(user).post("/api/v1/watchlist/", {"symbol": "ONEMORE"}, format="json").status_code == 201


def test_alert_create_uses_the_public_names_and_answers_the_stored_alert():
    user = UserFactory()
    price_history(AssetFactory(id="SPY"), [400], start=date(2021, 1, 4))
    response = _api(user).post(
        "/api/v1/alerts/",
        {"kind": "price_above", "symbol": "SPY", "threshold": "420.50", "channels": ["in_app", "email"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "price_above" and body["symbol"] == "SPY" and body["threshold"] == "420.50000000"
    assert body["channels"] == ["in_app", "email"] and body["active"] is True and body["armed"] is True
    assert set(body) >= {"id", "portfolio", "address", "last_triggered_at", "created_at"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "price_above", "threshold": "10"}, "symbol"),
        ({"kind": "price_above", "symbol": "SPY"}, "threshold"),
        ({"kind": "daily_move", "symbol": "SPY", "threshold": "-3"}, "threshold"),
        ({"kind": "portfolio_drift", "threshold": "5"}, "portfolio"),
        (
            {"kind": "large_transfer", "address": "0x0000000000000000000000000000000000000001", "threshold": "5"},
            "address",
        ),
        ({"kind": "job_finished", "channels": []}, "channels"),
    ],
)
def test_alert_create_names_the_field_at_fault(payload, field):
    AssetFactory(id="SPY")
    response = _api(UserFactory()).post("/api/v1/alerts/", payload, format="json")
    assert response.status_code == 400 and field in response.json()["fields"], response.json()


def test_alerts_past_the_free_limit_are_403_tier_limit():
    user = UserFactory()
    for _ in range(FREE.alerts):
        AlertFactory(user=user)
    response = _api(user).post("/api/v1/alerts/", {"kind": "job_finished"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "tier_limit"
    assert "allows 10 alerts" in response.json()["detail"] and Alert.objects.filter(user=user).count() == FREE.alerts


def test_alerts_list_filters_and_patch_and_delete_work_on_own_alerts_only():
    user, other = UserFactory(), UserFactory()
    mine = AlertFactory(user=user)
    AlertFactory(user=user, active=False)
    theirs = AlertFactory(user=other)
    api = _api(user)
    assert [row["id"] for row in api.get("/api/v1/alerts/?active=true").json()["results"]] == [str(mine.pk)]
    assert api.get("/api/v1/alerts/?kind=nonsense").status_code == 400
    assert api.patch(f"/api/v1/alerts/{mine.pk}/", {"active": False}, format="json").json()["active"] is False
    for method in ("get", "patch", "delete"):
        assert getattr(api, method)(f"/api/v1/alerts/{theirs.pk}/", {}, format="json").status_code == 404
    assert api.get("/api/v1/alerts/not-a-uuid/").status_code == 404
    assert api.delete(f"/api/v1/alerts/{mine.pk}/").status_code == 204


def test_notifications_list_has_exactly_the_public_fields_and_filters_unread():
    user = UserFactory()
    alert = AlertFactory(user=user)
    first = NotificationFactory(user=user, alert=alert, title="First")
    NotificationFactory(user=user, title="Second")
    NotificationFactory(title="Not mine")
    api = _api(user)
    rows = api.get("/api/v1/notifications/").json()["results"]
    assert [row["title"] for row in rows] == ["Second", "First"]
    assert set(rows[1]) == {"id", "kind", "title", "body", "created_at", "read", "alert", "url"}
    assert rows[1]["alert"] == str(alert.pk) and rows[0]["alert"] is None
    read = api.post(f"/api/v1/notifications/{first.pk}/read/")
    assert read.status_code == 200 and read.json()["read"] is True
    assert [row["title"] for row in api.get("/api/v1/notifications/?unread=true").json()["results"]] == ["Second"]
    assert [row["title"] for row in api.get("/api/v1/notifications/?unread=false").json()["results"]] == ["First"]
    assert api.get("/api/v1/notifications/?unread=maybe").status_code == 400
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


def test_another_users_notification_is_404():
    theirs = NotificationFactory()
    api = _api(UserFactory())
    assert api.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_preferences_list_every_kind_and_set_one():
    api = _api(UserFactory())
    kinds = [row["kind"] for row in api.get("/api/v1/notifications/preferences/").json()]
    assert "price_above" in kinds and "job_finished" in kinds
    response = api.put(
        "/api/v1/notifications/preferences/daily_move/", {"in_app": False, "email": "digest"}, format="json"
    )
    assert response.json() == {"kind": "daily_move", "in_app": False, "email": "digest"}
    assert (
        api.put("/api/v1/notifications/preferences/nope/", {"in_app": True, "email": "off"}, format="json").status_code
        == 400
    )


def test_plan_reports_the_tier_limits_and_usage():
    user = UserFactory()
    PortfolioFactory(user=user)
    body = _api(user).get("/api/v1/plan/").json()
    assert body["tier"] == "free"
    usage = {row["limit"]: row for row in body["usage"]}
    assert usage["portfolios"] == {"limit": "portfolios", "label": "portfolios", "used": 1, "allowed": FREE.portfolios}
    assert usage["api_requests_per_minute"]["used"] is None


def test_a_fourth_portfolio_of_a_free_user_is_403_tier_limit():
    user = UserFactory()
    api = _api(user)
    for n in range(FREE.portfolios):
        assert (
            api.post("/api/v1/portfolios/", {"name": f"P{n}", "base_currency": "USD"}, format="json").status_code == 201
        )
    response = api.post("/api/v1/portfolios/", {"name": "One more", "base_currency": "USD"}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your Free plan allows 3 portfolios; you have 3. Remove one, or ask an administrator to move you to a higher plan.",
        "code": "tier_limit",
        "fields": {},
    }
