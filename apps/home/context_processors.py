"""Whether pages open the live stream: only under the ASGI server (under WSGI they poll)."""

from django.core.handlers.asgi import ASGIRequest


def live(request) -> dict:
    return {"live_stream": isinstance(request, ASGIRequest)}
