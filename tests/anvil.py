"""A throw-away anvil node (npm @foundry-rs/anvil, installed by `make anvil`) on a free loopback port.

Started by the fixtures in tests/onchain/conftest.py, one per test process; tests isolate their
chain state with ``snapshot()``/``revert()``. A reorg is made by reverting to a snapshot and mining
other blocks.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
ANVIL = Path(os.environ.get("ANVIL_BIN", ROOT / "contracts" / "node_modules" / ".bin" / "anvil"))
# anvil's default dev accounts (mnemonic "test test ... junk"): well-known test keys, funded with 10,000 ETH.
KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
)
ACCOUNTS = (
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Anvil:
    def __init__(self, port: int | None = None, chain_id: int = 31337):
        if not ANVIL.exists():
            raise RuntimeError(f"anvil is not installed at {ANVIL}: run `make anvil` (npm @foundry-rs/anvil).")
        self.port = port or free_port()
        self.chain_id = chain_id
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> Anvil:
        self.process = subprocess.Popen(
            [str(ANVIL), "--host", "127.0.0.1", "--port", str(self.port), "--chain-id", str(self.chain_id), "--silent"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.rpc("eth_chainId")
                return self
            except requests.ConnectionError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"anvil exited with {self.process.returncode}") from None
                time.sleep(0.05)
        raise RuntimeError(f"anvil on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def rpc(self, method: str, params: list | None = None):
        payload = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}
        answer = requests.post(self.url, json=payload, timeout=10).json()
        if "error" in answer:
            raise RuntimeError(f"anvil {method}: {answer['error']}")
        return answer["result"]

    def snapshot(self) -> str:
        return self.rpc("evm_snapshot")

    def revert(self, snapshot_id: str) -> None:
        if not self.rpc("evm_revert", [snapshot_id]):
            raise RuntimeError(f"anvil could not revert to snapshot {snapshot_id}")

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])

    def head(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)
