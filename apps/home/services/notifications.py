"""Notifications: created by alerts (and anything else that tells a user something), read, delivered."""

from __future__ import annotations

from django.db import transaction

from apps.home import realtime
from apps.home.models import AlertTrigger, Channel, EmailMode, EmailStatus, Notification, NotificationPreference


def preference_for(user, kind: str) -> NotificationPreference:
    """The user's preference for ``kind``, or the default (in the app, e-mail at once)."""
    found = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return found or NotificationPreference(user=user, kind=kind)


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
    allow: in the centre (pushed to open pages after commit) and by e-mail at once or in the digest."""
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
    return notification
