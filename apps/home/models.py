"""Watchlist entries, alerts and what they triggered, notifications and their delivery preferences."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.assets.models import Asset


def _choices_constraint(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


class WatchlistEntry(models.Model):
    """An asset a user follows without holding it (or beside holding it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watchlist")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["asset_id"]
        verbose_name_plural = "watchlist entries"
        constraints = [models.UniqueConstraint(fields=["user", "asset"], name="home_watchlist_user_asset_unique")]

    def __str__(self) -> str:
        return f"{self.user} watches {self.asset_id}"


class AlertKind(models.TextChoices):
    PRICE_ABOVE = "price_above", "Price rises above"
    PRICE_BELOW = "price_below", "Price falls below"
    DAILY_MOVE = "daily_move", "Daily move beyond"
    OUTSIDE_FORECAST = "outside_forecast", "Price leaves the forecast's interval"
    FORECAST_MATURED = "forecast_matured", "A forecast matured"
    PORTFOLIO_DRIFT = "portfolio_drift", "Portfolio drifts from its optimisation"
    LARGE_TRANSFER = "large_transfer", "Large transfer on a tracked address"
    JOB_FINISHED = "job_finished", "A job finished or failed"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In the app"
    EMAIL = "email", "E-mail"


class Alert(models.Model):
    """A condition a user asked to be told about. Which fields apply depends on ``kind``:
    ``asset`` for the price and forecast kinds, ``threshold`` (a price level, or a percentage for
    ``daily_move`` and ``portfolio_drift``, or a token amount for ``large_transfer``), ``portfolio``
    for drift, ``tracked_address`` for transfers. ``armed`` is the crossing state of the kinds that
    fire on a crossing and re-arm when it is crossed back."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    threshold = models.DecimalField(max_digits=24, decimal_places=8, null=True, blank=True)
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    tracked_address = models.ForeignKey(
        "onchain.TrackedAddress", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channels = models.JSONField(default=list, help_text="Where it notifies: in_app, email.")
    active = models.BooleanField(default=True)
    armed = models.BooleanField(default=True, help_text="Ready to fire on the next crossing.")
    evaluated_through = models.DateField(null=True, blank=True, help_text="Last bar date evaluated.")
    last_triggered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [_choices_constraint("kind", AlertKind, "home_alert_kind_valid")]
        indexes = [models.Index(fields=["kind", "active"], name="home_alert_kind_active")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.user})"

    @property
    def channel_labels(self) -> list[str]:
        """The channels in words ("In the app", "E-mail"), in the order chosen."""
        return [Channel(channel).label for channel in self.channels or [] if channel in Channel.values]


class AlertTrigger(models.Model):
    """One firing of an alert, unique per alert and triggering event: evaluating the same state
    again finds the key taken and notifies nobody."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="triggers")
    key = models.CharField(max_length=120, help_text="The triggering event, e.g. a bar date or a prediction id.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["alert", "key"], name="home_alerttrigger_alert_key_unique")]

    def __str__(self) -> str:
        return f"{self.alert_id}:{self.key}"


class EmailStatus(models.TextChoices):
    NONE = "none", "No e-mail"
    PENDING = "pending", "To send at once"
    DIGEST = "digest", "For the daily digest"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """Something a user is told. Shown in the notification centre when ``in_app``; e-mailed as
    ``email_status`` says."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True, help_text="Where to look (a path on this site).")
    alert = models.ForeignKey(Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications")
    trigger = models.OneToOneField(
        AlertTrigger, on_delete=models.SET_NULL, null=True, blank=True, related_name="notification"
    )
    in_app = models.BooleanField(default=True)
    email_status = models.CharField(max_length=8, choices=EmailStatus.choices, default=EmailStatus.NONE)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            _choices_constraint("kind", AlertKind, "home_notification_kind_valid"),
            _choices_constraint("email_status", EmailStatus, "home_notification_email_status_valid"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="home_notification_user_recent"),
            models.Index(fields=["email_status"], name="home_notification_email_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def read(self) -> bool:
        return self.read_at is not None


class EmailMode(models.TextChoices):
    OFF = "off", "No e-mail"
    IMMEDIATE = "immediate", "E-mail at once"
    DIGEST = "digest", "Daily digest e-mail"


class NotificationPreference(models.Model):
    """How a user wants one kind of notification delivered. Without a row: in the app, e-mail at once
    (for alerts that ask for e-mail)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    in_app = models.BooleanField(default=True)
    email = models.CharField(max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="home_notificationpreference_user_kind_unique"),
            _choices_constraint("kind", AlertKind, "home_notificationpreference_kind_valid"),
            _choices_constraint("email", EmailMode, "home_notificationpreference_email_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"
