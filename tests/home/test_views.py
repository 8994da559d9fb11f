"""The home app's pages: another user's alerts, notifications and watchlist entries answer 404;
forms answer 422 with the reason in place; htmx gets fragments."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from apps.home.models import Alert, WatchlistEntry
from tests.assets.factories import AssetFactory, price_history
from tests.home.factories import AlertFactory, NotificationFactory, WatchlistEntryFactory
from tests.portfolios.factories import UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_another_users_alert_notification_and_watchlist_entry_answer_404():
    owner, intruder = UserFactory(), UserFactory()
    alert = AlertFactory(user=owner)
    notification = NotificationFactory(user=owner)
    entry = WatchlistEntryFactory(user=owner)
    client = _client(intruder)
    assert client.post(f"/alerts/{alert.pk}/toggle/").status_code == 404
    assert client.post(f"/alerts/{alert.pk}/delete/").status_code == 404
    assert client.post(f"/notifications/{notification.pk}/read/").status_code == 404
    assert client.get(f"/notifications/toast/?id={notification.pk}").status_code == 404
    assert client.post(f"/watchlist/{entry.asset_id}/remove/").status_code == 404
    assert (
        Alert.objects.filter(pk=alert.pk, active=True).exists() and WatchlistEntry.objects.filter(pk=entry.pk).exists()
    )
    notification.refresh_from_db()
    assert not notification.read


def test_the_alert_form_follows_the_kind_and_creates_an_alert():
    user = UserFactory()
    price_history(AssetFactory(id="SPY"), [400], start=date(2021, 1, 4))
    client = _client(user)
    drift = client.get("/alerts/?partial=form&kind=portfolio_drift", **HTMX).content.decode()
    assert 'name="portfolio"' in drift and 'name="symbol"' not in drift
    response = client.post(
        "/alerts/", {"kind": "price_above", "symbol": "SPY", "threshold": "420", "channels": ["in_app"]}
    )
    assert response.status_code == 302
    assert Alert.objects.get(user=user).threshold == 420


def test_an_invalid_alert_answers_422_naming_the_field():
    response = _client(UserFactory()).post(
        "/alerts/", {"kind": "price_above", "symbol": "NOPE", "channels": ["in_app"]}
    )
    assert response.status_code == 422 and "No asset NOPE." in response.content.decode()


def test_the_watch_toggle_swaps_itself_and_says_so_at_the_limit():
    user = UserFactory()
    AssetFactory(id="AAPL")
    client = _client(user)
    html = client.post("/watchlist/add/", {"symbol": "AAPL"}, **HTMX).content.decode()
    assert 'aria-pressed="true"' in html and "/watchlist/AAPL/remove/" in html
    for _ in range(9):
        WatchlistEntryFactory(user=user)
    AssetFactory(id="MORE")
    refused = client.post("/watchlist/add/", {"symbol": "MORE"}, **HTMX)
    assert refused.status_code == 422 and "allows 10 watched assets" in refused.content.decode()


def test_mark_read_swaps_the_row_and_the_badge_counts_unread():
    user = UserFactory()
    notification = NotificationFactory(user=user, title="Fired")
    client = _client(user)
    assert 'data-unread="1"' in client.get("/notifications/badge/").content.decode()
    row = client.post(f"/notifications/{notification.pk}/read/", **HTMX).content.decode()
    assert row.lstrip().startswith('<li class="notification"') and "Mark read" not in row
    assert 'data-unread="0"' in client.get("/notifications/badge/").content.decode()


def test_the_pages_render_for_a_new_user_with_their_empty_states():
    client = _client(UserFactory())
    for path, text in (
        ("/", "Start with a portfolio"),
        ("/watchlist/", "You watch nothing yet"),
        ("/alerts/", "No alerts yet"),
        ("/notifications/", "No notifications yet"),
        ("/notifications/preferences/", "Notification preferences"),
        ("/plan/", "Your plan: Free"),
    ):
        response = client.get(path)
        assert response.status_code == 200 and text in response.content.decode(), path


def test_the_alert_list_speaks_words_not_codes():
    user = UserFactory()
    AlertFactory(user=user, channels=["in_app", "email"])
    page = _client(user).get("/alerts/").content.decode()
    assert "in the app, e-mail" in page and "inapp" not in page
    assert "Not fired yet." in page and "Fired 0 times" not in page
