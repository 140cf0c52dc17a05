"""The sync worker reports its outbox head (last seq and hash) with every batch and every
idle device check, so the server can notice a chain that goes back or forks.

Injected fakes only: an in-memory outbox behind a vault-shaped executor, a credential store
and a requests.Session whose transport records what would be sent.
"""

from __future__ import annotations

import concurrent.futures
import json
import sqlite3
from collections.abc import Callable
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from agent_desktop.audit import outbox
from agent_desktop.audit.credentials import DeviceCredentials
from agent_desktop.audit.event import receipt_message, uuid7
from agent_desktop.audit.outbox_schema import create_audit_outbox, outbox_one_page_per_event
from agent_desktop.audit.sync import HEAD_HEADER, Outcome, SyncWorker
from agent_desktop.bus import EventBus
from tests.unit.audit.test_sync_policy import Settings

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


class InlineVault:
    """The vault's executor contract over a plain SQLite connection (runs jobs inline)."""

    def __init__(self) -> None:
        self.conn = sqlite3.connect(":memory:", isolation_level=None)
        create_audit_outbox(self.conn)
        outbox_one_page_per_event(self.conn)

    def submit(self, fn: Callable[[Any], Any]) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        future.set_result(fn(self.conn))
        return future

    transaction = submit

    def wipe(self) -> None:
        raise AssertionError("not revoked in these tests")


class Store:
    def require(self) -> DeviceCredentials:
        return DeviceCredentials("dev-h", "adt_test", PUBLIC, "https://audit.invalid", "agent-1", "agent")

    def delete(self) -> None:
        raise AssertionError("not revoked in these tests")


class Recorder(requests.adapters.BaseAdapter):
    """Answers like the server (a signed receipt, an active status) and keeps each request."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **_: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(request)
        resp = requests.Response()
        resp.status_code = 200
        if request.method == "POST":
            last = json.loads(request.body or b"{}")["events"][-1]
            receipt = KEY.sign(receipt_message("dev-h", last["seq"], last["hash"])).hex()
            resp._content = json.dumps({"last_seq": last["seq"], "last_hash": last["hash"],
                                        "receipt": receipt}).encode()
        else:
            resp._content = b'{"status": "active"}'
        return resp

    def close(self) -> None:
        pass


def record(vault: InlineVault, count: int) -> dict[str, Any]:
    event: dict[str, Any] = {}
    for i in range(count):
        event = outbox.append(vault.conn, device_id="dev-h", user="agent-1", role="agent", action="phi.view",
                              outcome="success", patient=f"pat-{i}", call_id=None, detail=None,
                              ts="2026-11-28T03:35:19.123Z", event_id=uuid7())
    return event


def make() -> tuple[SyncWorker, InlineVault, Recorder]:
    vault, transport = InlineVault(), Recorder()
    session = requests.Session()
    session.mount("https://", transport)
    worker = SyncWorker(vault, EventBus(), Settings(**{"audit.batch_size": 2}), session=session,
                        store=Store())  # type: ignore[arg-type]
    return worker, vault, transport


def test_every_batch_and_the_idle_check_carry_the_outbox_head() -> None:
    worker, vault, transport = make()
    assert worker.sync_once().outcome is Outcome.EMPTY  # nothing recorded: no head to report
    assert HEAD_HEADER not in transport.sent[-1].headers
    head = record(vault, 5)
    assert worker.send_batches().outcome is Outcome.DELIVERED
    posts = [r for r in transport.sent if r.method == "POST"]
    assert len(posts) == 3  # batches of 2, 2 and 1
    assert {r.headers[HEAD_HEADER] for r in posts} == {f"5:{head['hash']}"}
    assert worker.sync_once().outcome is Outcome.EMPTY
    assert transport.sent[-1].method == "GET"
    assert transport.sent[-1].headers[HEAD_HEADER] == f"5:{head['hash']}"  # acked events keep the head


def test_a_batch_read_after_the_round_started_moves_the_reported_head_forward() -> None:
    worker, vault, transport = make()
    record(vault, 1)
    worker._head = (1, "a" * 64)  # the head as read when the round began
    batch = vault.submit(lambda c: outbox.read_batch(c, 10)).result()
    assert worker._head_header(batch) == {HEAD_HEADER: f"1:{'a' * 64}"}
    newer = record(vault, 2)
    batch = vault.submit(lambda c: outbox.read_batch(c, 10)).result()
    assert worker._head_header(batch) == {HEAD_HEADER: f"3:{newer['hash']}"}
