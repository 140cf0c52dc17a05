"""Sync against the real reference audit server (HTTPS on loopback, SQLite)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from agent_desktop.audit import outbox
from agent_desktop.audit.credentials import (
    CredentialStore,
    DeviceCredentials,
    EnrollmentFailed,
    enroll,
)
from agent_desktop.audit.event import compute_hash
from agent_desktop.audit.notices import AuditChainAlert
from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.audit.sync import Outcome, SyncWorker
from agent_desktop.bus import EventBus
from agent_desktop.vault.keyring_backend import secure_backend
from tests.integration.audit.conftest import PASSWORD, open_raw, write_policy
from tests.support.audit_server import AuditServer


@pytest.fixture
def store(secret_service: str) -> Iterator[CredentialStore]:
    s = CredentialStore(secure_backend(), profile="test-" + uuid.uuid4().hex)
    yield s
    s.delete()


@pytest.fixture
def enrolled(audit_server: AuditServer, store: CredentialStore) -> DeviceCredentials:
    token = audit_server.token("enroll", agent="agent-007", team="blue")
    return enroll(session(), audit_server.base_url, token, store,
                  verify=audit_server.verify)


@pytest.fixture
def device_id(enrolled: DeviceCredentials) -> str:
    return enrolled.device_id


SESSIONS: list[requests.Session] = []


@pytest.fixture(autouse=True)
def close_sessions(audit_server_factory: Any) -> Iterator[None]:
    """Close keep-alive connections before the server stops (else it waits for them)."""
    yield
    while SESSIONS:
        SESSIONS.pop().close()


def session() -> requests.Session:
    s = requests.Session()
    SESSIONS.append(s)
    return s


def worker_for(vault: Any, bus: EventBus, agent_home: Path, server: AuditServer,
               store: CredentialStore, sleeps: list[float], batch_size: int = 500) -> SyncWorker:
    settings = write_policy(agent_home, server_url=server.base_url, batch_size=batch_size,
                            max_backoff_seconds=10, ca_bundle=str(server.ca_file))
    return SyncWorker(vault, bus, settings, session=session(), store=store,
                      sleep=sleeps.append)


def server_events(server: AuditServer, device_id: str) -> list[dict[str, Any]]:
    auditor = server.session(server.token("auditor"))
    SESSIONS.append(auditor)
    events: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"device_id": device_id, "order": "oldest", "limit": 1000}
        if cursor:
            params["cursor"] = cursor
        page = auditor.get(server.url("/v1/audit/events"), params=params, timeout=30).json()
        events.extend(page["events"])
        cursor = page["next_cursor"]
        if not cursor:
            return sorted(events, key=lambda e: e["seq"])


def outbox_events(vault: Any) -> list[dict[str, Any]]:
    return list(vault.submit(lambda c: list(outbox.stored_events(c))).result())


def test_enrolment_stores_credentials_in_the_keyring(enrolled: DeviceCredentials,
                                                     store: CredentialStore,
                                                     audit_server: AuditServer) -> None:
    loaded = store.require()
    assert loaded == enrolled
    assert loaded.receipt_public_key == audit_server.public_key_hex
    assert loaded.agent_id == "agent-007" and loaded.team == "blue"
    assert loaded.device_token not in repr(loaded)


def test_a_used_enrolment_token_is_refused_clearly(audit_server: AuditServer,
                                                   store: CredentialStore) -> None:
    token = audit_server.token("enroll", agent="agent-007", team="blue")
    enroll(session(), audit_server.base_url, token, store, verify=audit_server.verify)
    with pytest.raises(EnrollmentFailed, match="refused the enrolment token") as info:
        enroll(session(), audit_server.base_url, token, store, verify=audit_server.verify)
    assert "new one" in info.value.hint


def test_offline_shift_arrives_exactly_once_in_order(
        audit_server: AuditServer, enrolled: DeviceCredentials, store: CredentialStore,
        recorder: AuditRecorder, vault: Any, bus: EventBus, agent_home: Path,
        reopen_vault: Callable[[], tuple[Any, AuditRecorder]]) -> None:
    audit_server.stop()  # the shift starts with the server down
    sleeps: list[float] = []
    worker = worker_for(vault, bus, agent_home, audit_server, store, sleeps)
    for i in range(2500):
        recorder.record("phi.view", patient=f"pat-{i % 97}", call_id=f"call-{i // 10}",
                        detail={"fields": ["demographics"]})
        if i % 500 == 0:
            assert worker.sync_once().outcome is Outcome.RETRY
    # the workstation restarts mid-shift: the backlog survives and the chain continues
    vault, recorder = reopen_vault()
    worker = worker_for(vault, bus, agent_home, audit_server, store, sleeps)
    for i in range(2500):
        recorder.record("phi.reveal", patient=f"pat-{i % 89}", detail={"attempt": i % 3})
    assert worker.drain(retry=True, max_rounds=3).outcome is Outcome.RETRY
    assert len(sleeps) >= 3
    status = worker.status()
    assert not status.online and status.last_error == "the audit server is unreachable"
    recorded = outbox_events(vault)
    assert len(recorded) >= 5000 and [e["seq"] for e in recorded] == list(range(1, len(recorded) + 1))

    audit_server.start()
    result = worker.drain(retry=True, max_rounds=100)
    assert result.outcome is Outcome.EMPTY
    arrived = server_events(audit_server, enrolled.device_id)
    assert [e["id"] for e in arrived] == [e["id"] for e in recorded]   # exactly once, in order
    assert [e["seq"] for e in arrived] == list(range(1, len(recorded) + 1))
    assert arrived == recorded
    assert outbox_events(vault) == []
    state = vault.submit(outbox.chain_state).result()
    assert (state.acked_seq, state.acked_hash) == (recorded[-1]["seq"], recorded[-1]["hash"])
    verdict = audit_server.session(audit_server.token("auditor")).get(
        audit_server.url("/v1/audit/verify"), params={"device_id": enrolled.device_id},
        timeout=30).json()
    assert verdict["status"] == "intact" and verdict["last_seq"] == len(recorded)
    assert worker.status().online and worker.status().backlog == 0
    # the chain goes on after the outbox was emptied
    recorder.record("call.answer", call_id="call-x")
    assert worker.drain(retry=False).outcome is Outcome.EMPTY
    assert len(server_events(audit_server, enrolled.device_id)) == len(recorded) + 1


def test_an_untrusted_server_certificate_is_a_tls_failure_not_a_delivery(
        audit_server: AuditServer, enrolled: DeviceCredentials, store: CredentialStore,
        recorder: AuditRecorder, vault: Any, bus: EventBus, agent_home: Path) -> None:
    recorder.record("phi.view", patient="pat-1")
    settings = write_policy(agent_home, server_url=audit_server.base_url)  # no CA bundle
    worker = SyncWorker(vault, bus, settings, session=session(), store=store, sleep=lambda s: None)
    result = worker.sync_once()
    assert result.outcome is Outcome.RETRY and "TLS failure" in (result.error or "")
    assert len(outbox_events(vault)) == 2 and server_events(audit_server, enrolled.device_id) == []


def test_tampered_outbox_is_refused_by_the_server_and_halts_sync(
        audit_server: AuditServer, enrolled: DeviceCredentials, store: CredentialStore,
        recorder: AuditRecorder, vault: Any, bus: EventBus, agent_home: Path) -> None:
    alerts: list[AuditChainAlert] = []
    bus.subscribe(AuditChainAlert, alerts.append)
    worker = worker_for(vault, bus, agent_home, audit_server, store, [], batch_size=5)
    for _ in range(4):
        recorder.record("phi.view", patient="pat-1")
    assert worker.drain(retry=False).outcome is Outcome.EMPTY
    delivered = [e["seq"] for e in server_events(audit_server, enrolled.device_id)]
    for _ in range(4):
        recorder.record("phi.view", patient="pat-2")
    # someone with the key rewrites an unsent event and re-hashes it to hide the change
    vault.lock()
    conn = open_raw(vault)
    (body,) = conn.execute("SELECT body FROM audit_outbox ORDER BY seq LIMIT 1 OFFSET 1").fetchone()
    event = json.loads(body)
    event["patient"] = "pat-999"
    event["hash"] = compute_hash(event)
    conn.execute("UPDATE audit_outbox SET body = ? WHERE id = ?", (outbox.encode(event), event["id"]))
    conn.close()
    vault.unlock(PASSWORD)
    assert worker.drain(retry=False).outcome is Outcome.HALTED
    assert len(alerts) == 1 and alerts[0].seq == event["seq"] + 1
    assert worker.status().halted
    assert [e["seq"] for e in server_events(audit_server, enrolled.device_id)] == delivered
    assert not recorder.verify_local().ok


def test_revoked_device_is_wiped(audit_server: AuditServer, enrolled: DeviceCredentials,
                                 store: CredentialStore, recorder: AuditRecorder, vault: Any,
                                 bus: EventBus, agent_home: Path) -> None:
    recorder.record("phi.view", patient="pat-1")
    worker = worker_for(vault, bus, agent_home, audit_server, store, [])
    admin = audit_server.session(audit_server.token("admin"))
    admin.post(audit_server.url(f"/v1/devices/{enrolled.device_id}/revoke"), json={},
               timeout=10).raise_for_status()
    assert worker.sync_once().outcome is Outcome.REVOKED
    assert store.load() is None
    assert not vault.exists()
