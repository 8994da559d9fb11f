"""A node that accepts connections and never answers costs one ONCHAIN_RPC_TIMEOUT, not web3's retries."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from apps.onchain.chain import Chain, ChainUnavailable


@pytest.fixture
def silent_node():
    """A loopback TCP server that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_a_silent_node_is_unavailable_within_one_timeout(silent_node):
    chain = Chain(rpc_url=silent_node, timeout=1)
    started = time.monotonic()
    with pytest.raises(ChainUnavailable, match="did not answer within 1 s"):
        chain.head()
    assert time.monotonic() - started < 2
