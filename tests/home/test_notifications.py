"""Notifications: routed by the alert's channels and the user's preference for the kind; e-mailed
once (at once or in the daily digest), never in the request; read one or all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.home.models import EmailStatus, Notification
from apps.home.services import notifications as service
from apps.home.tasks import notifications as tasks
from tests.home.factories import NotificationFactory
from tests.portfolios.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_in_app_only_records_a_notification_for_the_centre_without_email():
    user = UserFactory()
    notification = service.notify(user=user, kind="daily_move", title="Moved", channels=["in_app"])
    assert notification.in_app and notification.email_status == EmailStatus.NONE
    assert service.unread_count(user) == 1


def test_an_email_alert_is_sent_once_after_commit_by_the_task(django_capture_on_commit_callbacks, monkeypatch):
    user = UserFactory(email="investor@example.com")
    queued = []
    monkeypatch.setattr(tasks, "queue_email", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        notification = service.notify(
            user=user,
            kind="price_above",
            title="SPY closed above 420",
            url="/assets/SPY/",
            channels=["in_app", "email"],
        )
        assert queued == []  # nothing is queued before the commit
    assert queued == [notification.pk] and len(mail.outbox) == 0  # the request sends nothing itself
    assert tasks.send_notification_email.apply(args=[notification.pk]).result is True
    assert tasks.send_notification_email.apply(args=[notification.pk]).result is False  # a second delivery
    (message,) = mail.outbox
    assert message.to == ["investor@example.com"] and message.subject == "QuantumVest: SPY closed above 420"
    assert "/assets/SPY/" in message.body and "/notifications/" in message.body
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT and notification.emailed_at is not None


def test_the_preference_can_turn_email_into_the_digest_or_off_and_hide_a_kind_from_the_centre():
    user = UserFactory()
    service.set_preference(user=user, kind="daily_move", in_app=False, email="digest")
    service.set_preference(user=user, kind="price_below", in_app=True, email="off")
    digest = service.notify(user=user, kind="daily_move", title="Moved", channels=["in_app", "email"])
    off = service.notify(user=user, kind="price_below", title="Below", channels=["in_app", "email"])
    assert (digest.in_app, digest.email_status) == (False, EmailStatus.DIGEST)
    assert (off.in_app, off.email_status) == (True, EmailStatus.NONE)
    assert [n.title for n in service.recent_notifications(user)] == ["Below"]


def test_the_daily_digest_sends_one_email_per_user_and_nothing_the_second_time():
    user, other = UserFactory(email="a@example.com"), UserFactory(email="b@example.com")
    for title in ("One", "Two"):
        NotificationFactory(user=user, title=title, email_status=EmailStatus.DIGEST)
    NotificationFactory(user=other, title="Three", email_status=EmailStatus.DIGEST)
    NotificationFactory(user=other, title="Not for e-mail")
    assert tasks.send_daily_digests() == 2
    assert tasks.send_daily_digests() == 0
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"a@example.com", "b@example.com"}
    assert "One" in by_address["a@example.com"].body and "Two" in by_address["a@example.com"].body
    assert "Not for e-mail" not in by_address["b@example.com"].body
    assert by_address["a@example.com"].subject == "QuantumVest: 2 notifications today"


def test_the_catch_up_sends_immediate_emails_whose_task_never_ran():
    user = UserFactory()
    stale = NotificationFactory(user=user, email_status=EmailStatus.PENDING)
    Notification.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    NotificationFactory(user=user, email_status=EmailStatus.PENDING)  # fresh: its own task may still come
    assert tasks.send_pending_emails() == 1 and len(mail.outbox) == 1
    assert tasks.send_pending_emails() == 0


def test_a_failing_mail_server_leaves_the_notification_failed_after_the_retries(monkeypatch):
    notification = NotificationFactory(email_status=EmailStatus.PENDING)

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(tasks, "_send", refuse)
    result = tasks.send_notification_email.apply(args=[notification.pk], retries=tasks.RETRIES)
    assert result.result is False
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.FAILED


def test_mark_read_touches_only_the_users_own_notification():
    user = UserFactory()
    mine, theirs = NotificationFactory(user=user), NotificationFactory()
    service.mark_read(user=user, notification_id=mine.pk)
    with pytest.raises(service.NotFound):
        service.mark_read(user=user, notification_id=theirs.pk)
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert mine.read and not theirs.read
