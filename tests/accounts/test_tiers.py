"""Subscription tiers: the limits table, the per-tier API rate, the admin action, the README table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.models import SubscriptionTier, User
from apps.accounts.tiers import LIMITS
from apps.predictions.models import PredictionJob
from apps.predictions.services import request_predictions
from quantumvest.errors import DomainError
from tests.assets.factories import AssetFactory, price_history
from tests.portfolios.factories import PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_free_defaults_are_those_of_the_issue_and_higher_tiers_allow_more():
    free, pro, enterprise = (LIMITS[t] for t in SubscriptionTier.values)
    assert (free.portfolios, free.watched_assets, free.alerts, free.forecast_jobs_per_day) == (3, 10, 10, 20)
    for field in vars(free):
        assert getattr(free, field) < getattr(pro, field) < getattr(enterprise, field)


def test_the_readme_table_is_the_table_in_code():
    text = README.read_text()
    for tier in SubscriptionTier:
        row = re.search(rf"^\| {tier.label} \|(.*)\|$", text, re.MULTILINE)
        assert row, f"README has no plan row for {tier.label}"
        numbers = [int(cell.strip().replace(",", "")) for cell in row.group(1).split("|")]
        limits = LIMITS[tier.value]
        assert numbers == [
            limits.portfolios,
            limits.watched_assets,
            limits.alerts,
            limits.forecast_jobs_per_day,
            limits.api_requests_per_minute,
        ]


def test_the_api_rate_follows_the_callers_tier(tier_rates):
    free, pro = UserFactory(), UserFactory(subscription_tier=SubscriptionTier.PRO)
    allowed = LIMITS[SubscriptionTier.FREE].api_requests_per_minute
    for user, expect_throttled in ((free, True), (pro, False)):
        api = APIClient()
        api.force_authenticate(user)
        statuses = [api.get("/api/v1/plan/").status_code for _ in range(allowed + 1)]
        assert statuses[:allowed] == [200] * allowed
        assert (statuses[-1] == 429) is expect_throttled
        if expect_throttled:
            assert "Retry-After" in api.get("/api/v1/plan/")


def test_the_forecast_jobs_of_a_day_are_limited_and_a_refused_one_is_not_created(settings):
    user = UserFactory()
    asset = AssetFactory(id="FJ")
    price_history(asset, [1, 2, 3])
    for _ in range(LIMITS[SubscriptionTier.FREE].forecast_jobs_per_day):
        PredictionJob.objects.create(user=user, asset=AssetFactory(), state="succeeded")
    with pytest.raises(DomainError) as refused:
        request_predictions(asset=asset, by=user)
    assert refused.value.code == "tier_limit" and "20 on-demand forecast jobs a day" in refused.value.detail
    assert not PredictionJob.objects.filter(asset=asset).exists()


def test_the_portfolio_page_says_why_a_fourth_portfolio_is_refused():
    user = UserFactory()
    for _ in range(3):
        PortfolioFactory(user=user)
    client = Client()
    client.force_login(user)
    response = client.post("/portfolios/", {"name": "Fourth", "base_currency": "USD"})
    assert response.status_code == 422
    assert "Your Free plan allows 3 portfolios" in response.content.decode()
    assert "3 of 3 portfolios on your plan" in client.get("/portfolios/").content.decode()


def test_an_admin_moves_users_to_a_tier_with_the_action():
    admin = User.objects.create_superuser("root@example.com", "a-long-password-1")
    users = [UserFactory(), UserFactory()]
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "move_to_pro", "_selected_action": [str(u.pk) for u in users]},
        follow=True,
    )
    assert response.status_code == 200 and "2 account(s) are now on the Pro plan." in response.content.decode()
    assert set(User.objects.filter(pk__in=[u.pk for u in users]).values_list("subscription_tier", flat=True)) == {"pro"}
