"""A small JSON-RPC proxy in front of a real node, for faults the node itself does not make.

It runs a threaded HTTP server on a free loopback port and forwards every request to the node,
except that it can refuse eth_getLogs spans above ``max_log_span`` with the error public nodes
answer, answer HTTP 503 for everything (``down``), answer late (``delay`` seconds) or after ``fail_after_logs`` eth_getLogs calls,
and run ``before_first_logs`` once before forwarding the first eth_getLogs (another sync at the
same moment). ``calls`` records (method, params) of every request it received.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


class RpcProxy:
    def __init__(self, upstream: str):
        self.upstream = upstream
        self.max_log_span: int | None = None
        self.down = False
        self.delay = 0.0
        self.fail_after_logs: int | None = None
        self.before_first_logs = None
        self.calls: list[tuple[str, list]] = []
        self.refused = 0
        self.logs_served = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status, answer = proxy.handle(json.loads(body))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RpcProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def log_spans(self) -> list[tuple[int, int]]:
        """(fromBlock, toBlock) of every eth_getLogs received, refused or not."""
        return [(int(p[0]["fromBlock"], 16), int(p[0]["toBlock"], 16)) for m, p in self.calls if m == "eth_getLogs"]

    def handle(self, payload):
        requests_in = payload if isinstance(payload, list) else [payload]
        with self._lock:
            self.calls.extend((r["method"], r.get("params", [])) for r in requests_in)
        if self.delay:
            time.sleep(self.delay)
        if self.down:
            return 503, {"error": "node down"}
        if not isinstance(payload, list) and payload["method"] == "eth_getLogs":
            hook, self.before_first_logs = self.before_first_logs, None
            if hook is not None:
                hook()
            query = payload["params"][0]
            span = int(query["toBlock"], 16) - int(query["fromBlock"], 16) + 1
            if self.max_log_span is not None and span > self.max_log_span:
                self.refused += 1
                message = f"query exceeds max block range {self.max_log_span}"
                return 200, {"jsonrpc": "2.0", "id": payload["id"], "error": {"code": -32005, "message": message}}
            if self.fail_after_logs is not None and self.logs_served >= self.fail_after_logs:
                self.down = True
                return 503, {"error": "node down"}
            self.logs_served += 1
        answer = requests.post(self.upstream, json=payload, timeout=30)
        return answer.status_code, answer.json()
