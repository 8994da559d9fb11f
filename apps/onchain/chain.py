"""The chain adapter: the only module of QuantumVest that imports web3.

Services call ``get_chain()`` and get plain values back (ints, hex strings, checksummed addresses,
dataclasses). Every call has the timeout ``ONCHAIN_RPC_TIMEOUT``; a node that is down, slow or on
another chain raises ``ChainUnavailable`` (a 503 for the API, a status line on pages), and nothing
retries inside a request: jobs retry with backoff.

Two kinds of node:
- any Ethereum JSON-RPC node (``ONCHAIN_RPC_URL``, http(s) or ws(s)), signing with
  ``ONCHAIN_PRIVATE_KEY`` when one is configured, read-only otherwise;
- the in-process chain (eth-tester on py-evm), the embedded default. Every transaction it accepts is
  appended, signed, to a journal under ``ONCHAIN_CHAIN_DIR``; a new process replays the journal, and
  every process catches up on what others appended before it reads or sends, so that contracts
  deployed and batches notarised before a restart of ``make run`` (or by a management command run
  beside it) are there after it.
"""

from __future__ import annotations

import ast
import copy
import fcntl
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import websockets
from django.conf import settings
from eth_abi.exceptions import DecodingError
from eth_account import Account
from eth_tester.exceptions import TransactionFailed as _TesterFailure
from eth_utils import is_address, to_checksum_address
from hexbytes import HexBytes
from web3 import EthereumTesterProvider, HTTPProvider, Web3
from web3.exceptions import (
    BadFunctionCallOutput,
    ContractCustomError,
    ContractLogicError,
    TimeExhausted,
    TransactionNotFound,
    Web3RPCError,
)
from web3.middleware import ExtraDataToPOAMiddleware
from web3.providers import JSONBaseProvider

from apps.onchain.networks import Network, network
from quantumvest.errors import DomainError, ServiceUnavailable

log = logging.getLogger(__name__)

BUILD_DIR = Path(settings.BASE_DIR) / "contracts" / "build"
# The topic of ERC-20 Transfer(address,address,uint256): its keccak256.
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


class ChainUnavailable(ServiceUnavailable):
    """The chain node is unreachable, too slow, or answered something unusable; the detail says which."""

    code = "chain_unavailable"


class ChainMismatch(ChainUnavailable):
    """The node is on another chain than ONCHAIN_CHAIN_ID."""

    code = "chain_id_mismatch"


class SigningUnavailable(ServiceUnavailable):
    """No signing key is configured: the product is read-only on chain."""

    code = "chain_read_only"


class RangeRefused(ChainUnavailable):
    """The node refused an eth_getLogs range as too large (the caller shrinks it and asks again)."""

    code = "chain_range_refused"


class TransactionFailed(DomainError):
    """A transaction QuantumVest sent was refused or reverted; the detail names the contract error."""

    code = "chain_transaction_failed"
    status_code = 409


@dataclass(frozen=True)
class Tx:
    hash: str
    from_address: str
    to_address: str | None
    value: int
    nonce: int
    block_number: int | None
    block_hash: str | None
    input: str = "0x"


@dataclass(frozen=True)
class Block:
    number: int
    hash: str
    parent_hash: str
    timestamp: int
    transactions: tuple[Tx, ...] = ()


@dataclass(frozen=True)
class Log:
    address: str
    topics: tuple[str, ...]
    data: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int


@dataclass(frozen=True)
class Receipt:
    tx_hash: str
    status: int
    block_number: int
    block_hash: str
    gas_used: int
    from_address: str
    to_address: str | None
    contract_address: str | None
    logs: tuple[Log, ...] = field(default=())


def checksum(address: str) -> str:
    """The EIP-55 form of ``address``; ValueError when it is not a 20-byte hex address."""
    if not isinstance(address, str) or not is_address(address):
        raise ValueError(f"{address!r} is not an Ethereum address (0x and 40 hex digits).")
    digits = address[2:]
    # Mixed case is a checksum: it must be the right one.
    if digits not in (digits.lower(), digits.upper()) and to_checksum_address(address) != address:
        raise ValueError(f"{address} has a wrong EIP-55 checksum (mixed case that does not match).")
    return to_checksum_address(address)


def keccak_hex(data: bytes) -> str:
    return "0x" + Web3.keccak(data).hex().removeprefix("0x")


@cache
def artifact(name: str) -> dict:
    """The compiled contract ``name`` from contracts/build (ABI, bytecode, source sha256)."""
    return json.loads((BUILD_DIR / f"{name}.json").read_text())


def artifact_hash(name: str) -> str:
    """sha256 identity of a build: what deploy_contracts compares to reuse a deployment."""
    import hashlib

    a = artifact(name)
    return hashlib.sha256((a["bytecode"] + json.dumps(a["abi"], sort_keys=True)).encode()).hexdigest()


def _hex(value: Any) -> Any:
    """web3's return values as plain Python: bytes → 0x-hex, tuples/lists recursively."""
    if isinstance(value, bytes | bytearray | HexBytes):
        return "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return type(value)(_hex(v) for v in value) if isinstance(value, tuple) else [_hex(v) for v in value]
    return value


def _h(value: Any) -> str | None:
    if value is None:
        return None
    return "0x" + bytes(HexBytes(value)).hex()


def _safe_url(url: str) -> str:
    """scheme://host:port of an RPC URL: API keys live in paths and query strings, never shown."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}"


class _WebSocketProvider(JSONBaseProvider):
    """Synchronous JSON-RPC over a WebSocket (web3 8's own WebSocketProvider is async only)."""

    def __init__(self, url: str, timeout: float):
        super().__init__()
        self.url, self.timeout = url, timeout
        self._socket = None
        self._lock = threading.Lock()

    def make_request(self, method, params):
        from websockets.sync.client import connect

        with self._lock:
            request_id = next(self.request_counter)
            payload = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": request_id})
            for attempt in (1, 2):
                try:
                    if self._socket is None:
                        self._socket = connect(self.url, open_timeout=self.timeout, max_size=2**26, legacy=True)
                    self._socket.send(payload)
                    deadline = time.monotonic() + self.timeout
                    while True:
                        message = json.loads(self._socket.recv(timeout=max(0.01, deadline - time.monotonic())))
                        if message.get("id") == request_id:
                            return message
                except (websockets.ConnectionClosed, OSError):
                    self._socket = None
                    if attempt == 2:
                        raise
                except TimeoutError:
                    self._socket = None
                    raise

    def is_connected(self, show_traceback: bool = False) -> bool:
        try:
            self.make_request("eth_chainId", [])
            return True
        except (OSError, TimeoutError, websockets.WebSocketException):
            return False


class _InProcessNode:
    """eth-tester on py-evm, with its accepted transactions journalled and replayed."""

    def __init__(self, journal: Path | None):
        from eth_tester import EthereumTester, PyEVMBackend

        self.backend = PyEVMBackend()
        self.tester = EthereumTester(self.backend)
        self.web3 = Web3(EthereumTesterProvider(self.tester))
        self.key = self.backend.account_keys[0].to_hex()
        self.journal = journal
        self.applied = 0
        self.lock = threading.RLock()
        if journal is not None:
            journal.parent.mkdir(parents=True, exist_ok=True)
            self.catch_up()

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        assert self.journal is not None
        with open(self.journal.with_suffix(".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def catch_up(self) -> None:
        """Apply the journal's entries this process has not applied yet (other processes' sends)."""
        if self.journal is None or not self.journal.exists():
            return
        with self.lock:
            lines = self.journal.read_text().splitlines()
            for raw in lines[self.applied :]:
                entry = json.loads(raw)
                if entry.get("mine"):
                    self.tester.mine_blocks(entry["mine"])
                else:
                    self.web3.eth.send_raw_transaction(entry["raw"])
                self.applied += 1

    def send_raw(self, raw: bytes | Callable[[], bytes]) -> str:
        """Apply a signed transaction and journal it. ``raw`` may be a function that signs it: it is
        called after the journal of the other processes is caught up, so a nonce it reads is current
        (a nonce read before, while another process sent from the same key, would be stale)."""
        with self.lock:
            if self.journal is None:
                return _h(self.web3.eth.send_raw_transaction(raw() if callable(raw) else raw))
            with self._file_lock():
                self.catch_up()
                if callable(raw):
                    raw = raw()
                tx_hash = _h(self.web3.eth.send_raw_transaction(raw))
                with open(self.journal, "a") as handle:
                    handle.write(json.dumps({"raw": "0x" + bytes(raw).hex()}) + "\n")
                self.applied += 1
                return tx_hash

    def mine(self, blocks: int) -> None:
        with self.lock:
            if self.journal is None:
                self.tester.mine_blocks(blocks)
                return
            with self._file_lock():
                self.catch_up()
                self.tester.mine_blocks(blocks)
                with open(self.journal, "a") as handle:
                    handle.write(json.dumps({"mine": blocks}) + "\n")
                self.applied += 1


class Chain:
    """One configured node. Build it with ``get_chain()``; methods return plain values."""

    def __init__(
        self,
        *,
        rpc_url: str = "",
        expected_chain_id: int | None = None,
        private_key: str = "",
        confirmations: int | None = None,
        timeout: float = 10,
        journal: Path | None = None,
    ):
        self.timeout = timeout
        self.expected_chain_id = expected_chain_id
        self._confirmations = confirmations
        self._chain_id: int | None = None
        self.node: _InProcessNode | None = None
        if rpc_url:
            self.description = _safe_url(rpc_url)
            if rpc_url.startswith(("ws://", "wss://")):
                provider = _WebSocketProvider(rpc_url, timeout)
            else:
                # No retries inside web3: a slow node must fail within the timeout, jobs retry.
                provider = HTTPProvider(
                    rpc_url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None
                )
            self.web3 = Web3(provider)
            self.web3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
            self._account = Account.from_key(private_key) if private_key else None
        else:
            self.description = "the in-process chain"
            self.node = _InProcessNode(journal)
            self.web3 = self.node.web3
            self._account = Account.from_key(private_key or self.node.key)

    # --- identity ---------------------------------------------------------------------------------
    @property
    def in_process(self) -> bool:
        return self.node is not None

    @property
    def chain_id(self) -> int:
        """The node's chain id, checked once against ONCHAIN_CHAIN_ID (ChainMismatch names both)."""
        if self._chain_id is None:
            with self._guard():
                found = int(self.web3.eth.chain_id)
            if self.expected_chain_id and found != self.expected_chain_id:
                raise ChainMismatch(
                    f"The node at {self.description} is on chain {found}, but ONCHAIN_CHAIN_ID is "
                    f"{self.expected_chain_id}: point ONCHAIN_RPC_URL at the right node or fix the id."
                )
            self._chain_id = found
        return self._chain_id

    @property
    def known_chain_id(self) -> int | None:
        """The chain id without asking the node: the one already checked, else ONCHAIN_CHAIN_ID, else None."""
        if self._chain_id is not None:
            return self._chain_id
        if self.node is not None:
            return self.chain_id  # in process: no network involved
        return self.expected_chain_id

    def check(self) -> int:
        """Connect and check the chain id (ChainUnavailable, ChainMismatch); the chain id."""
        return self.chain_id

    @property
    def network(self) -> Network:
        return network(self.chain_id)

    @property
    def confirmations(self) -> int:
        if self._confirmations is not None:
            return self._confirmations
        return self.network.confirmations

    @property
    def signer(self) -> str | None:
        """The address transactions are sent from, or None when the product is read-only."""
        return self._account.address if self._account else None

    def with_key(self, private_key: str) -> Chain:
        """The same node (and, in process, the same chain state) signing with ``private_key`` instead.

        For tests and operator tools that act as another account (a stranger, a second owner); the
        key is kept in memory only, like ONCHAIN_PRIVATE_KEY. Raises ValueError for a malformed key.
        """
        other = copy.copy(self)
        other._account = Account.from_key(private_key)
        return other

    # --- errors -----------------------------------------------------------------------------------
    @contextmanager
    def _guard(self) -> Iterator[None]:
        if self.node is not None:
            self.node.catch_up()
        try:
            yield
        except (ChainUnavailable, TransactionFailed, _TesterFailure):
            raise
        except (requests.Timeout, TimeoutError, TimeExhausted) as exc:
            raise ChainUnavailable(
                f"The chain node at {self.description} did not answer within {self.timeout:g} s ({type(exc).__name__})."
            ) from exc
        except (requests.ConnectionError, OSError, websockets.WebSocketException) as exc:
            raise ChainUnavailable(
                f"The chain node at {self.description} is not reachable ({type(exc).__name__})."
            ) from exc
        except Web3RPCError as exc:
            message = str(getattr(exc, "message", None) or exc)
            if _is_range_refusal(message):
                raise RangeRefused(f"The chain node at {self.description} refused the block range: {message}") from exc
            raise ChainUnavailable(f"The chain node at {self.description} answered an error: {message}") from exc
        except (ValueError, BadFunctionCallOutput) as exc:
            if isinstance(exc, ContractLogicError | ContractCustomError):
                raise
            raise ChainUnavailable(f"The chain node at {self.description} answered an error: {exc}") from exc

    # --- reads ------------------------------------------------------------------------------------
    def head(self) -> int:
        self.check()
        with self._guard():
            return int(self.web3.eth.block_number)

    def block(self, number: int, *, full: bool = False) -> Block | None:
        """Block ``number`` (with its transactions when ``full``), or None beyond the head."""
        with self._guard():
            try:
                raw = self.web3.eth.get_block(number, full_transactions=full)
            except Exception as exc:  # BlockNotFound, named differently by providers
                if type(exc).__name__ == "BlockNotFound":
                    return None
                raise
        txs = tuple(_tx(t, block=raw) for t in raw["transactions"]) if full else ()
        return Block(int(raw["number"]), _h(raw["hash"]), _h(raw["parentHash"]), int(raw["timestamp"]), txs)

    def logs(
        self, from_block: int, to_block: int, *, addresses: list[str] | None = None, topics: list | None = None
    ) -> list[Log]:
        """eth_getLogs over [from_block, to_block]; RangeRefused when the node finds the range too large."""
        query: dict[str, Any] = {"fromBlock": from_block, "toBlock": to_block}
        if addresses:
            query["address"] = addresses if len(addresses) > 1 else addresses[0]
        if topics:
            query["topics"] = topics
        with self._guard():
            return [_log(entry) for entry in self.web3.eth.get_logs(query)]

    def blocks(self, numbers: list[int], *, full: bool = False, batch: int = 100) -> list[Block | None]:
        """Blocks ``numbers`` in that order (None beyond the head), ``batch`` per JSON-RPC batch over HTTP.

        Other transports (in-process, WebSocket) ask one block at a time. Raises ChainUnavailable.
        """
        raw = self._batched("eth_getBlockByNumber", [[hex(n), full] for n in numbers], batch)
        if raw is None:
            return [self.block(n, full=full) for n in numbers]
        return [_raw_block(r, full) if r else None for r in raw]

    def receipts(self, tx_hashes: list[str], *, batch: int = 100) -> list[Receipt | None]:
        """Receipts of ``tx_hashes`` in that order (None when unknown), batched like ``blocks``."""
        raw = self._batched("eth_getTransactionReceipt", [[h] for h in tx_hashes], batch)
        if raw is None:
            return [self.receipt(h) for h in tx_hashes]
        return [_receipt(_raw_receipt(r)) if r else None for r in raw]

    def erc20_balance(self, token: str, owner: str, block: int | str = "latest") -> int | None:
        """``token.balanceOf(owner)`` at ``block``; None when the contract does not answer it."""
        data = Web3.keccak(text="balanceOf(address)")[:4] + bytes(12) + bytes.fromhex(owner[2:])
        with self._guard():
            try:
                raw = bytes(self.web3.eth.call({"to": token, "data": data}, block_identifier=block))
            except (ContractLogicError, ContractCustomError, _TesterFailure):
                return None
        return int.from_bytes(raw[:32], "big") if len(raw) >= 32 else None

    def _batched(self, method: str, params: list[list], batch: int) -> list | None:
        """Raw JSON-RPC results of one method over many parameter lists; None when not over HTTP."""
        provider = self.web3.provider
        if not isinstance(provider, HTTPProvider):
            return None
        results: list = []
        for start in range(0, len(params), max(1, batch)):
            chunk = params[start : start + max(1, batch)]
            with self._guard():
                answers = provider.make_batch_request([(method, p) for p in chunk])
            if not isinstance(answers, list) or len(answers) != len(chunk):
                detail = answers.get("error") if isinstance(answers, dict) else answers
                raise ChainUnavailable(f"The chain node at {self.description} refused a batch of {method}: {detail}")
            for answer in answers:
                if answer.get("error"):
                    message = str(answer["error"].get("message", answer["error"]))
                    raise ChainUnavailable(f"The chain node at {self.description} answered an error: {message}")
                results.append(answer.get("result"))
        return results

    def transaction(self, tx_hash: str) -> Tx | None:
        with self._guard():
            try:
                return _tx(self.web3.eth.get_transaction(tx_hash))
            except TransactionNotFound:
                return None

    def receipt(self, tx_hash: str) -> Receipt | None:
        with self._guard():
            try:
                return _receipt(self.web3.eth.get_transaction_receipt(tx_hash))
            except TransactionNotFound:
                return None

    def balance(self, address: str, block: int | str = "latest") -> int:
        with self._guard():
            return int(self.web3.eth.get_balance(address, block_identifier=block))

    def code_size(self, address: str) -> int:
        with self._guard():
            return len(self.web3.eth.get_code(address))

    def call(self, name: str, address: str, function: str, *args: Any, block: int | str = "latest") -> Any:
        """Call view ``function`` of contract ``name`` (an artifact) at ``address``; plain values back."""
        contract = self.web3.eth.contract(address=address, abi=artifact(name)["abi"])
        with self._guard():
            try:
                return _hex(getattr(contract.functions, function)(*args).call(block_identifier=block))
            except (ContractCustomError, ContractLogicError, _TesterFailure) as exc:
                raise TransactionFailed(_revert_reason(name, exc)) from exc

    def token_metadata(self, address: str) -> dict:
        """name, symbol and decimals of an ERC-20 read from the chain (None where the token has none)."""
        out: dict[str, Any] = {}
        for function, kind in (("name", "string"), ("symbol", "string"), ("decimals", "uint8")):
            selector = Web3.keccak(text=f"{function}()")[:4]
            with self._guard():
                try:
                    raw = bytes(self.web3.eth.call({"to": address, "data": selector}))
                except (ContractLogicError, ContractCustomError, _TesterFailure, ValueError):
                    raw = b""
            out[function] = _decode_metadata(raw, kind)
        return out

    # --- writes -----------------------------------------------------------------------------------
    def require_signer(self) -> Account:
        if self._account is None:
            raise SigningUnavailable(
                "No signing key is configured (ONCHAIN_PRIVATE_KEY or ONCHAIN_PRIVATE_KEY_FILE): on-chain writes are off."
            )
        return self._account

    def _send(self, tx: dict, *, wait: bool, contract_name: str | None = None) -> Receipt | str:
        account = self.require_signer()
        with self._guard():
            tx.setdefault("chainId", self.chain_id)

            def signed() -> bytes:
                nonce = (
                    tx["nonce"] if "nonce" in tx else self.web3.eth.get_transaction_count(account.address, "pending")
                )
                return account.sign_transaction({**tx, "nonce": nonce}).raw_transaction

            if self.node is not None:
                tx_hash = self.node.send_raw(signed)  # signs once the other processes' journal is applied
            else:
                tx_hash = _h(self.web3.eth.send_raw_transaction(signed()))
            log.info("onchain: sent %s from %s", tx_hash, account.address)
            if not wait:
                return tx_hash
            receipt = _receipt(self.web3.eth.wait_for_transaction_receipt(tx_hash, timeout=max(self.timeout, 30)))
        if receipt.status != 1:
            raise TransactionFailed(f"Transaction {tx_hash} reverted on chain {self.chain_id}.")
        return receipt

    def _build(self, function: Any, *, name: str | None = None, value: int = 0) -> dict:
        account = self.require_signer()
        with self._guard():
            try:
                return function.build_transaction({"from": account.address, "value": value})
            except (ContractCustomError, ContractLogicError, _TesterFailure) as exc:
                raise TransactionFailed(_revert_reason(name, exc)) from exc

    def deploy(self, name: str, *args: Any) -> Receipt:
        """Deploy the artifact ``name`` with constructor ``args``; waits for the receipt."""
        a = artifact(name)
        factory = self.web3.eth.contract(abi=a["abi"], bytecode=a["bytecode"])
        return self._send(self._build(factory.constructor(*args), name=name), wait=True)

    def transact(self, name: str, address: str, function: str, *args: Any, wait: bool = True) -> Receipt | str:
        """Send ``function(*args)`` to contract ``name`` at ``address`` (the receipt, or the hash when not waiting).

        Raises TransactionFailed with the decoded custom error when the call would revert.
        """
        contract = self.web3.eth.contract(address=address, abi=artifact(name)["abi"])
        return self._send(self._build(getattr(contract.functions, function)(*args), name=name), wait=wait)

    def send_value(self, to: str, value: int, *, wait: bool = True) -> Receipt | str:
        """A plain transfer of ``value`` wei of the native coin (demo and tests)."""
        account = self.require_signer()
        with self._guard():
            gas_price = self.web3.eth.gas_price
        tx = {"from": account.address, "to": to, "value": value, "gas": 21000, "gasPrice": gas_price}
        return self._send(tx, wait=wait)

    def mine(self, blocks: int = 1) -> None:
        """Mine empty blocks: the in-process chain only (it mines one block per transaction)."""
        if self.node is None:
            raise ValueError("Only the in-process chain mines on request.")
        self.node.mine(blocks)


def _is_range_refusal(message: str) -> bool:
    text = message.lower()
    return any(
        marker in text
        for marker in ("block range", "range too large", "more than", "limit exceeded", "too many", "exceed")
    )


def _tx(raw: Any, block: Any = None) -> Tx:
    """A transaction; ``block`` fills its position where the node leaves it out of full blocks."""
    to = raw.get("to")
    if block is not None and raw.get("blockNumber") is None:
        raw = {**raw, "blockNumber": block["number"], "blockHash": block["hash"]}
    return Tx(
        hash=_h(raw["hash"]),
        from_address=to_checksum_address(raw["from"]),
        to_address=to_checksum_address(to) if to else None,
        value=int(raw["value"]),
        nonce=int(raw["nonce"]),
        block_number=int(raw["blockNumber"]) if raw.get("blockNumber") is not None else None,
        block_hash=_h(raw.get("blockHash")),
        input=_h(raw.get("input") or b"") or "0x",
    )


def _log(raw: Any) -> Log:
    return Log(
        address=to_checksum_address(raw["address"]),
        topics=tuple(_h(t) for t in raw["topics"]),
        data=_h(raw["data"]) or "0x",
        block_number=int(raw["blockNumber"]),
        block_hash=_h(raw["blockHash"]),
        tx_hash=_h(raw["transactionHash"]),
        log_index=int(raw["logIndex"]),
    )


def _receipt(raw: Any) -> Receipt:
    to = raw.get("to")
    created = raw.get("contractAddress")
    return Receipt(
        tx_hash=_h(raw["transactionHash"]),
        status=int(raw["status"]),
        block_number=int(raw["blockNumber"]),
        block_hash=_h(raw["blockHash"]),
        gas_used=int(raw["gasUsed"]),
        from_address=to_checksum_address(raw["from"]),
        to_address=to_checksum_address(to) if to else None,
        contract_address=to_checksum_address(created) if created else None,
        logs=tuple(_log(entry) for entry in raw["logs"]),
    )


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def _raw_block(raw: dict, full: bool) -> Block:
    """A block from a raw JSON-RPC answer (hex quantities), as ``block()`` builds it."""
    txs = ()
    if full:
        txs = tuple(
            _tx(
                {
                    **t,
                    "value": _int(t["value"]),
                    "nonce": _int(t["nonce"]),
                    "blockNumber": _int(t["blockNumber"]) if t.get("blockNumber") else None,
                }
            )
            for t in raw["transactions"]
        )
    return Block(_int(raw["number"]), _h(raw["hash"]), _h(raw["parentHash"]), _int(raw["timestamp"]), txs)


def _raw_receipt(raw: dict) -> dict:
    """A raw JSON-RPC receipt with its quantities as ints, for ``_receipt``."""
    logs = [{**e, "blockNumber": _int(e["blockNumber"]), "logIndex": _int(e["logIndex"])} for e in raw["logs"]]
    numbers = {k: _int(raw[k]) for k in ("status", "blockNumber", "gasUsed")}
    return {**raw, **numbers, "logs": logs}


def _decode_metadata(raw: bytes, kind: str) -> Any:
    from eth_abi import decode

    if not raw:
        return None
    try:
        if kind == "uint8":
            return int(decode(["uint8"], raw)[0])
        if len(raw) == 32:  # old tokens (MKR, SAI) return bytes32
            return raw.rstrip(b"\x00").decode("utf-8", "replace") or None
        return decode(["string"], raw)[0] or None
    except (ValueError, TypeError, DecodingError):
        return None


def _revert_data(exc: BaseException) -> bytes | None:
    """The revert payload of a failed call, as the provider gave it (hex in web3 errors, bytes in eth-tester's)."""
    seen: BaseException | None = exc
    while seen is not None:
        data = getattr(seen, "data", None)
        if isinstance(data, str) and data.startswith("0x"):
            return bytes.fromhex(data[2:])
        for arg in getattr(seen, "args", ()):
            if isinstance(arg, bytes):
                return arg
            # eth-tester's eth_call failures carry the payload as the repr of bytes in their message.
            if isinstance(arg, str) and (found := re.search(r"b'(?:[^'\\]|\\.)*'|b\"(?:[^\"\\]|\\.)*\"", arg)):
                try:
                    return ast.literal_eval(found.group(0))
                except (ValueError, SyntaxError):
                    pass
        seen = seen.__cause__ or seen.__context__
    return None


def _revert_reason(name: str | None, exc: BaseException) -> str:
    """``ErrorName(args)`` for a custom error of contract ``name`` (addresses EIP-55); the node's message otherwise."""
    from eth_abi import decode

    data = _revert_data(exc)
    if name and data and len(data) >= 4:
        for entry in artifact(name)["abi"]:
            if entry.get("type") != "error":
                continue
            types = [i["type"] for i in entry["inputs"]]
            if Web3.keccak(text=f"{entry['name']}({','.join(types)})")[:4] != data[:4]:
                continue
            try:
                values = decode(types, data[4:]) if types else ()
            except (ValueError, TypeError, DecodingError):
                values = ()
            shown = (to_checksum_address(v) if t == "address" else _hex(v) for t, v in zip(types, values, strict=False))
            return f"{entry['name']}({', '.join(str(v) for v in shown)})"
    return str(getattr(exc, "message", None) or exc).split("\n")[0][:300]


_lock = threading.Lock()
_chains: dict[tuple, Chain] = {}


def get_chain() -> Chain:
    """The Chain of the current settings (one per process and configuration; cheap after the first)."""
    key_file = getattr(settings, "ONCHAIN_PRIVATE_KEY", "")
    config = (
        settings.ONCHAIN_RPC_URL,
        settings.ONCHAIN_CHAIN_ID,
        key_file,
        settings.ONCHAIN_CONFIRMATIONS,
        settings.ONCHAIN_RPC_TIMEOUT,
        str(settings.ONCHAIN_CHAIN_DIR),
    )
    with _lock:
        chain = _chains.get(config)
        if chain is None:
            chain = Chain(
                rpc_url=settings.ONCHAIN_RPC_URL,
                expected_chain_id=settings.ONCHAIN_CHAIN_ID,
                private_key=key_file,
                confirmations=settings.ONCHAIN_CONFIRMATIONS,
                timeout=settings.ONCHAIN_RPC_TIMEOUT,
                journal=None if settings.ONCHAIN_RPC_URL else Path(settings.ONCHAIN_CHAIN_DIR) / "journal.jsonl",
            )
            _chains[config] = chain
        return chain


def reset_chains() -> None:
    """Forget every Chain built so far (tests, and after settings change)."""
    with _lock:
        _chains.clear()
