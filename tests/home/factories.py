"""Factories of the home app: watchlist entries, alerts, notifications."""

from __future__ import annotations

import factory

from apps.home.models import Alert, AlertKind, Notification, WatchlistEntry
from tests.accounts.factories import UserFactory
from tests.assets.factories import AssetFactory


class WatchlistEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WatchlistEntry

    user = factory.SubFactory(UserFactory)
    asset = factory.SubFactory(AssetFactory)


class AlertFactory(factory.django.DjangoModelFactory):
    """An alert as stored, without the service's arming (use ``create_alert`` for that)."""

    class Meta:
        model = Alert

    user = factory.SubFactory(UserFactory)
    kind = AlertKind.JOB_FINISHED
    channels = factory.LazyFunction(lambda: ["in_app"])


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = AlertKind.JOB_FINISHED
    title = factory.Sequence(lambda n: f"Notification {n}")
