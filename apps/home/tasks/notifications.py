"""E-mail for notifications: at once (one task per notification) and as a daily digest.

Sending claims the row first (``pending`` -> ``sent`` by a conditional update), then sends: at most
once. A worker lost between the claim and the send loses that one e-mail (the notification stays
in the centre); the other order would send it twice when a delivery is repeated. A transient SMTP
error puts the claim back and retries with back-off (three times); then the row is ``failed``.
A notification whose task never ran (broker down when it was queued) is sent by the minute's
catch-up run, ``send_pending_emails``.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.home.models import EmailStatus, Notification
from quantumvest import events
from quantumvest.celery import IDEMPOTENT

logger = logging.getLogger(__name__)

CATCH_UP_AFTER = timedelta(minutes=1)
CATCH_UP_BATCH = 100
RETRIES = 3


def queue_email(notification_id: int) -> None:
    """Queue the immediate e-mail of a notification (after commit); the catch-up sends it if the
    broker is not there now."""
    events.send_task(send_notification_email, notification_id=notification_id)


def _site_url(path: str) -> str:
    return settings.QV_SITE_URL.rstrip("/") + path


def _send(to: str, subject: str, template: str, context: dict) -> None:
    context = {**context, "centre_url": _site_url(reverse("notifications:index"))}
    text = render_to_string(f"home/email/{template}.txt", context)
    html = render_to_string(f"home/email/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()


@shared_task(name="home.send_notification_email", bind=True, max_retries=RETRIES, **IDEMPOTENT)
def send_notification_email(self, notification_id: int) -> bool:
    claimed = Notification.objects.filter(pk=notification_id, email_status=EmailStatus.PENDING).update(
        email_status=EmailStatus.SENT, emailed_at=timezone.now()
    )
    if not claimed:
        return False  # sent already, or not meant for e-mail
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    link = _site_url(notification.url) if notification.url else ""
    try:
        _send(
            notification.user.email,
            f"QuantumVest: {notification.title}",
            "notification",
            {"notification": notification, "link": link},
        )
    except (smtplib.SMTPException, OSError) as exc:
        final = self.request.retries >= RETRIES
        status = EmailStatus.FAILED if final else EmailStatus.PENDING
        Notification.objects.filter(pk=notification_id).update(email_status=status, emailed_at=None)
        logger.warning("notification %s: e-mail failed (%s)%s", notification_id, exc, "" if final else "; retrying")
        if final:
            return False
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
    return True


@shared_task(name="home.send_pending_emails", **IDEMPOTENT)
def send_pending_emails() -> int:
    """Beat: send the immediate e-mails whose task never ran; how many were sent."""
    stale = Notification.objects.filter(
        email_status=EmailStatus.PENDING, created_at__lt=timezone.now() - CATCH_UP_AFTER
    ).values_list("pk", flat=True)[:CATCH_UP_BATCH]
    return sum(bool(send_notification_email.apply(args=[pk]).result) for pk in list(stale))


@shared_task(name="home.send_daily_digests", **IDEMPOTENT)
def send_daily_digests() -> int:
    """Beat, once a day: one e-mail per user with their digest notifications; how many e-mails.
    Each user's rows are claimed before sending, so a second run sends nothing twice."""
    sent = 0
    users = Notification.objects.filter(email_status=EmailStatus.DIGEST).values_list("user_id", flat=True).distinct()
    for user_id in list(users):
        now = timezone.now()
        ids = list(
            Notification.objects.filter(user_id=user_id, email_status=EmailStatus.DIGEST).values_list("pk", flat=True)
        )
        claimed = Notification.objects.filter(pk__in=ids, email_status=EmailStatus.DIGEST).update(
            email_status=EmailStatus.SENT, emailed_at=now
        )
        if not claimed:
            continue
        items = list(
            Notification.objects.filter(pk__in=ids, emailed_at=now).select_related("user").order_by("created_at")
        )
        if not items:
            continue
        try:
            _send(
                items[0].user.email,
                f"QuantumVest: {len(items)} notification{'s' if len(items) != 1 else ''} today",
                "digest",
                {"notifications": items, "site_url": settings.QV_SITE_URL.rstrip("/")},
            )
        except (smtplib.SMTPException, OSError) as exc:
            Notification.objects.filter(pk__in=[item.pk for item in items]).update(
                email_status=EmailStatus.DIGEST, emailed_at=None
            )
            logger.warning("digest for user %s not sent (%s); tomorrow's run tries again", user_id, exc)
            continue
        sent += 1
    return sent
