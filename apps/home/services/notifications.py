"""Notifications: recorded when something tells a user something (an alert firing), read in the
centre, pushed to open pages, e-mailed at once or in a daily digest as the user prefers."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.home import realtime
from apps.home.models import (
    AlertKind,
    AlertTrigger,
    Channel,
    EmailMode,
    EmailStatus,
    Notification,
    NotificationPreference,
)
from quantumvest.errors import NotFound, ValidationFailed


def preference_for(user, kind: str) -> NotificationPreference:
    """The user's preference for ``kind``, or the default (in the app, e-mail at once)."""
    found = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return found or NotificationPreference(user=user, kind=kind)


def preferences(user) -> list[NotificationPreference]:
    """One preference per kind, stored or default, in the order of ``AlertKind``."""
    stored = {preference.kind: preference for preference in NotificationPreference.objects.filter(user=user)}
    return [stored.get(kind) or NotificationPreference(user=user, kind=kind) for kind in AlertKind.values]


@transaction.atomic
def notify(
    *,
    user,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    channels: list[str] | tuple[str, ...] = (Channel.IN_APP,),
    alert=None,
    trigger: AlertTrigger | None = None,
) -> Notification:
    """Record a notification and deliver it as ``channels`` and the user's preference for ``kind``
    allow: in the centre (pushed to open pages after commit) and by e-mail, at once (a Celery task
    queued after commit, never sent in the caller's request) or in the daily digest."""
    preference = preference_for(user, kind)
    in_app = Channel.IN_APP in channels and preference.in_app
    email_status = EmailStatus.NONE
    if Channel.EMAIL in channels and preference.email != EmailMode.OFF:
        email_status = EmailStatus.DIGEST if preference.email == EmailMode.DIGEST else EmailStatus.PENDING
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        title=title[:200],
        body=body,
        url=url[:300],
        alert=alert,
        trigger=trigger,
        in_app=in_app,
        email_status=email_status,
    )
    if in_app:
        transaction.on_commit(lambda: realtime.publish_to_user(user.pk, "notification", {"id": notification.pk}))
    if email_status == EmailStatus.PENDING:
        from apps.home.tasks.notifications import queue_email

        transaction.on_commit(lambda: queue_email(notification.pk))
    return notification


def visible(user) -> QuerySet[Notification]:
    """The user's notifications shown in the centre, newest first."""
    return Notification.objects.filter(user=user, in_app=True).order_by("-created_at", "-id")


def unread_count(user) -> int:
    return visible(user).filter(read_at__isnull=True).count()


def recent_notifications(user, limit: int = 8) -> list[Notification]:
    return list(visible(user)[:limit])


def get_notification_for_user(notification_id, user) -> Notification:
    """The user's notification; ``NotFound`` for a missing id or another user's."""
    try:
        return visible(user).get(pk=int(notification_id))
    except (Notification.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such notification.") from None


@transaction.atomic
def mark_read(*, user, notification_id) -> Notification:
    """Mark one of the user's notifications read (again is harmless); other tabs hear of it."""
    notification = get_notification_for_user(notification_id, user)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
        transaction.on_commit(lambda: realtime.publish_to_user(user.pk, "read", {"id": notification.pk}))
    return notification


@transaction.atomic
def mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read; how many were."""
    count = visible(user).filter(read_at__isnull=True).update(read_at=timezone.now())
    if count:
        transaction.on_commit(lambda: realtime.publish_to_user(user.pk, "read", {"all": True}))
    return count


@transaction.atomic
def set_preference(*, user, kind: str, in_app: bool, email: str) -> NotificationPreference:
    """Store how the user wants ``kind`` delivered. ``ValidationFailed`` for an unknown kind or mode."""
    errors = {}
    if kind not in AlertKind.values:
        errors["kind"] = [f"Use one of: {', '.join(AlertKind.values)}."]
    if email not in EmailMode.values:
        errors["email"] = [f"Use one of: {', '.join(EmailMode.values)}."]
    if errors:
        raise ValidationFailed("Check the preference.", fields=errors)
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"in_app": bool(in_app), "email": email}
    )
    return preference
