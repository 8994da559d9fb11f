"""Live updates in the embedded default: no Redis, so the stream finds the user's new notifications
in the database, including those another process (the background replay) made."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from apps.home.models import Notification
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def _events(response):
    buffer = ""
    async for chunk in response.streaming_content:
        buffer += chunk.decode()
        while "\n\n" in buffer:
            frame, buffer = buffer.split("\n\n", 1)
            yield frame


def test_a_notification_written_to_the_database_reaches_the_open_stream(settings):
    assert not settings.REDIS_URL  # the embedded lane
    user = UserFactory()

    async def journey() -> list[str]:
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.get("/live/stream/")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/event-stream")
        frames = _events(response)
        seen = [await asyncio.wait_for(anext(frames), 5)]
        # As another process would: a row in the database, nothing published anywhere.
        notification = await sync_to_async(Notification.objects.create)(user=user, kind="job_finished", title="Done")
        seen.append(await asyncio.wait_for(anext(frames), 5))
        await frames.aclose()
        return seen, notification.pk

    (ready, event), pk = asyncio.run(journey())
    assert "event: ready" in ready
    assert event == f'event: notification\ndata: {{"id":{pk}}}'
