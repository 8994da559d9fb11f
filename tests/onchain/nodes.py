"""Nodes that are not there: a loopback URL nothing listens on, and one that accepts and never answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from tests.anvil import free_port


def dead_url() -> str:
    """An http URL of a loopback port nothing listens on (connections are refused at once)."""
    return f"http://127.0.0.1:{free_port()}"


@contextmanager
def hung_node() -> Iterator[str]:
    """An http URL of a loopback port that accepts connections (the kernel's backlog) and never
    answers: a node that hangs, which only a timeout ends."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
