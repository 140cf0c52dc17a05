"""A small real HTTP audit server for sync fault tests: speaks ``POST /v1/audit/batches``
(chain-checked, idempotent by event id, Ed25519 receipts) and misbehaves on purpose.

Faults are drawn per request from a seeded RNG: drop the connection (before or after the
batch is stored), 500, 429 with Retry-After, truncated JSON, a receipt signed over the
wrong message, a 200 without a receipt, an answer slower than the client's timeout. Whatever it answers, it stores each event once.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from agent_desktop.audit.event import GENESIS_HASH, compute_hash, receipt_message

FAULTS = ("drop_before", "drop_after", "500", "429", "truncated", "bad_signature", "unsigned",
          "slow")
SLOW_SECONDS = 1.0  # "slow": stores the batch, then answers after this (past the client timeout)


class FlakyAuditServer:
    def __init__(self, *, device_id: str, token: str, fault_rate: float = 0.0,
                 faults: Sequence[str] = FAULTS, seed: int = 7) -> None:
        self.device_id = device_id
        self.token = token
        self.fault_rate = fault_rate
        self.faults = tuple(faults)
        self.rng = random.Random(seed)
        self.key = Ed25519PrivateKey.generate()
        self.public_key_hex = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
        self.events: list[dict[str, Any]] = []
        self.ids: set[str] = set()
        self.head = (0, GENESIS_HASH)
        self.fault_log: list[str] = []
        self.requests = 0
        self.revoked = False
        self.max_events = 0  # > 0: answer 413 to bigger batches
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FlakyAuditServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _pick_fault(self) -> str | None:
        with self.lock:
            if self.rng.random() < self.fault_rate:
                fault = self.rng.choice(self.faults)
                self.fault_log.append(fault)
                return fault
            return None

    def _ingest(self, events: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        """Store new events in order; duplicates are skipped; a break is a 409."""
        with self.lock:
            accepted = duplicates = 0
            seq, head = self.head
            for event in events:
                if event.get("id") in self.ids:
                    duplicates += 1
                    continue
                if (event.get("seq") != seq + 1 or event.get("prev_hash") != head
                        or compute_hash(event) != event.get("hash")):
                    return 409, {"error": "chain_break", "first_bad_seq": seq + 1}
                seq, head = event["seq"], event["hash"]
                self.events.append(event)
                self.ids.add(event["id"])
                accepted += 1
            self.head = (seq, head)
            return 200, {"accepted": accepted, "duplicates": duplicates, "last_seq": seq,
                         "last_hash": head}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                try:
                    self._write(code, body, headers)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (its timeout): fine

            def _write(self, code: int, body: bytes, headers: dict[str, str] | None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _drop(self) -> None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

            def do_GET(self) -> None:
                status = "revoked" if server.revoked else "active"
                self._send(200, json.dumps({"device_id": server.device_id, "status": status}).encode())

            def do_POST(self) -> None:
                server.requests += 1
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Authorization") != f"Bearer {server.token}":
                    self._send(401, b'{"error":"bad_token"}')
                    return
                if server.revoked:
                    self._send(403, b'{"error":"device_revoked"}')
                    return
                fault = server._pick_fault()
                if fault == "drop_before":
                    self._drop()
                    return
                if fault == "500":
                    self._send(500, b'{"error":"internal"}')
                    return
                if fault == "429":
                    self._send(429, b'{"error":"slow_down"}', {"Retry-After": "0"})
                    return
                body = json.loads(raw)
                if server.max_events and len(body["events"]) > server.max_events:
                    self._send(413, b'{"error":"too_large"}')
                    return
                code, answer = server._ingest(body["events"])
                if code != 200:
                    self._send(code, json.dumps(answer).encode())
                    return
                message = receipt_message(server.device_id, answer["last_seq"], answer["last_hash"])
                if fault == "bad_signature":
                    message = receipt_message(server.device_id, answer["last_seq"] + 1, answer["last_hash"])
                if fault != "unsigned":
                    answer["receipt"] = server.key.sign(message).hex()
                data = json.dumps(answer).encode()
                if fault == "drop_after":
                    self._drop()
                    return
                if fault == "slow":
                    time.sleep(SLOW_SECONDS)
                if fault == "truncated":
                    data = data[: len(data) // 2]
                self._send(200, data)

        return Handler
