"""Pushes to open pages: a small event for one user, crossing processes through Redis.

``publish_to_user`` is called after commit by the services that change what a user sees (a new
notification, a read one). The stream view relays what arrives; it holds no business logic.
"""

from __future__ import annotations


def publish_to_user(user_id, event: str, data: dict | None = None) -> None:
    """Send ``event`` (e.g. ``notification``) with ``data`` (ids only) to the user's open pages."""
