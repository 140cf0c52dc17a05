"""Sync against a real HTTP server that fails at random: nothing lost, nothing duplicated."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from agent_desktop.audit import outbox
from agent_desktop.audit.credentials import CredentialStore, DeviceCredentials
from agent_desktop.audit.notices import AuditChainAlert, AuditSyncStatus, DeviceRevoked
from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.audit.sync import Outcome, SyncWorker
from agent_desktop.bus import EventBus
from agent_desktop.vault.keyring_backend import secure_backend
from tests.integration.audit.conftest import PASSWORD, write_policy
from tests.support.flaky_audit_server import FAULTS, FlakyAuditServer

TOKEN = "adt_device-token-for-tests"


@pytest.fixture
def store(secret_service: str) -> Iterator[CredentialStore]:
    s = CredentialStore(secure_backend(), profile="test-" + uuid.uuid4().hex)
    yield s
    s.delete()


@pytest.fixture
def flaky(device_id: str) -> Iterator[FlakyAuditServer]:
    with FlakyAuditServer(device_id=device_id, token=TOKEN, seed=11) as server:
        yield server


def make_worker(vault: Any, bus: EventBus, agent_home: Path, store: CredentialStore,
                server: FlakyAuditServer, sleeps: list[float], *, batch_size: int = 25,
                policy_key: bool = False) -> SyncWorker:
    extra = {"receipt_public_key": server.public_key_hex} if policy_key else {}
    settings = write_policy(agent_home, server_url=server.url, batch_size=batch_size,
                            max_backoff_seconds=5, **extra)
    store.save(DeviceCredentials(device_id=server.device_id, device_token=TOKEN,
                                 receipt_public_key="" if policy_key else server.public_key_hex,
                                 server_url=server.url))
    return SyncWorker(vault, bus, settings, session=requests.Session(), store=store,
                      sleep=sleeps.append, request_timeout=(2.0, 0.4))


def outbox_ids(vault: Any) -> list[str]:
    return [e["id"] for e in vault.submit(lambda c: list(outbox.stored_events(c))).result()]


def test_random_faults_lose_and_duplicate_nothing(recorder: AuditRecorder, vault: Any, bus: EventBus,
                                                  agent_home: Path, store: CredentialStore,
                                                  flaky: FlakyAuditServer) -> None:
    for i in range(300):
        recorder.record("phi.view", patient=f"pat-{i % 17}", detail={"attempt": i % 3})
    recorded = outbox_ids(vault)
    flaky.fault_rate = 0.6
    sleeps: list[float] = []
    worker = make_worker(vault, bus, agent_home, store, flaky, sleeps, batch_size=10)
    result = worker.drain(retry=True, max_rounds=2000)
    assert result.outcome is Outcome.EMPTY
    assert [e["id"] for e in flaky.events] == recorded          # in order, each exactly once
    assert [e["seq"] for e in flaky.events] == list(range(1, len(recorded) + 1))
    assert outbox_ids(vault) == []
    assert set(flaky.fault_log) == set(FAULTS)                   # every fault kind happened
    assert sleeps and max(sleeps) <= 5                            # capped backoff
    state = vault.submit(outbox.chain_state).result()
    assert (state.acked_seq, state.last_seq) == (len(recorded), len(recorded))
    status = worker.status()
    assert status.online and status.backlog == 0 and status.last_sync and status.last_error is None


@pytest.mark.parametrize("fault", ["bad_signature", "unsigned", "truncated", "drop_after", "slow"])
def test_stored_but_unreceipted_batch_stays_until_a_valid_receipt(
        fault: str, recorder: AuditRecorder, vault: Any, bus: EventBus, agent_home: Path,
        store: CredentialStore, flaky: FlakyAuditServer) -> None:
    for _ in range(10):
        recorder.record("phi.view", patient="pat-1")
    before = outbox_ids(vault)
    flaky.fault_rate, flaky.faults = 1.0, (fault,)
    worker = make_worker(vault, bus, agent_home, store, flaky, [], policy_key=True)
    result = worker.sync_once()
    assert result.outcome is Outcome.RETRY and result.error
    assert len(flaky.events) == len(before)                      # the server did store them
    assert outbox_ids(vault) == before                           # ... but nothing was deleted
    assert worker.status().last_error == result.error
    flaky.fault_rate = 0.0
    assert worker.drain(retry=False).outcome is Outcome.EMPTY
    assert [e["id"] for e in flaky.events] == before             # the resend was deduplicated
    assert outbox_ids(vault) == []


def test_retry_after_is_honoured_within_the_cap(recorder: AuditRecorder, vault: Any, bus: EventBus,
                                                agent_home: Path, store: CredentialStore,
                                                flaky: FlakyAuditServer) -> None:
    recorder.record("call.answer")
    worker = make_worker(vault, bus, agent_home, store, flaky, [])
    flaky.fault_rate, flaky.faults = 1.0, ("429",)
    result = worker.sync_once()
    assert result.outcome is Outcome.RETRY and result.retry_after == 0.0
    result = result.__class__(result.outcome, error=result.error, retry_after=4.0)
    assert 4.0 <= worker.backoff(result) <= 5.0
    result = result.__class__(result.outcome, error=result.error, retry_after=3600.0)
    assert worker.backoff(result) == 5.0


def test_a_too_large_batch_is_split_until_it_fits(recorder: AuditRecorder, vault: Any,
                                                  bus: EventBus, agent_home: Path,
                                                  store: CredentialStore,
                                                  flaky: FlakyAuditServer) -> None:
    for _ in range(40):
        recorder.record("phi.view", patient="pat-4")
    flaky.max_events = 10
    worker = make_worker(vault, bus, agent_home, store, flaky, [], batch_size=25)
    assert worker.drain(retry=True, max_rounds=50).outcome is Outcome.EMPTY
    assert worker.batch_size == 6                                 # 25 -> 12 -> 6
    assert [e["seq"] for e in flaky.events] == list(range(1, 42))


def test_server_down_is_offline_and_keeps_everything(recorder: AuditRecorder, vault: Any,
                                                     bus: EventBus, agent_home: Path,
                                                     store: CredentialStore,
                                                     flaky: FlakyAuditServer) -> None:
    recorder.record("call.answer")
    sleeps: list[float] = []
    worker = make_worker(vault, bus, agent_home, store, flaky, sleeps)
    flaky.__exit__()  # closed: connection refused from now on
    result = worker.drain(retry=True, max_rounds=12)
    assert result.outcome is Outcome.EMPTY or result.outcome is Outcome.RETRY
    status = worker.status()
    assert not status.online and status.last_error == "the audit server is unreachable"
    assert len(outbox_ids(vault)) == 2
    assert len(sleeps) == 12 and sleeps[-1] <= 5 and sleeps[-1] >= 2.5  # grew to the cap


def test_chain_break_halts_sync_and_alerts(recorder: AuditRecorder, vault: Any, bus: EventBus,
                                           agent_home: Path, store: CredentialStore,
                                           flaky: FlakyAuditServer) -> None:
    alerts: list[AuditChainAlert] = []
    bus.subscribe(AuditChainAlert, alerts.append)
    recorder.record("call.answer")
    worker = make_worker(vault, bus, agent_home, store, flaky, [])
    assert worker.drain(retry=False).outcome is Outcome.EMPTY
    flaky.head = (flaky.head[0], "f" * 64)  # the server's view no longer links (data loss)
    recorder.record("phi.view", patient="pat-3")
    result = worker.sync_once()
    assert result.outcome is Outcome.HALTED
    assert len(alerts) == 1 and alerts[0].seq == 3
    assert worker.status().halted
    kept = outbox_ids(vault)
    assert len(kept) == 1                                        # nothing deleted, nothing rewritten
    posts = flaky.requests
    again = make_worker(vault, bus, agent_home, store, flaky, [])  # a restart stays halted
    assert again.sync_once().outcome is Outcome.HALTED
    assert flaky.requests == posts and outbox_ids(vault) == kept


def test_revoked_device_wipes_the_vault(recorder: AuditRecorder, vault: Any, bus: EventBus,
                                        agent_home: Path, store: CredentialStore,
                                        flaky: FlakyAuditServer) -> None:
    revoked: list[DeviceRevoked] = []
    bus.subscribe(DeviceRevoked, revoked.append)
    recorder.record("call.answer")
    worker = make_worker(vault, bus, agent_home, store, flaky, [])
    flaky.revoked = True
    assert worker.sync_once().outcome is Outcome.REVOKED
    assert not vault.exists() and revoked == [DeviceRevoked(flaky.device_id)]
    assert store.load() is None


def test_idle_device_check_notices_revocation(recorder: AuditRecorder, vault: Any, bus: EventBus,
                                              agent_home: Path, store: CredentialStore,
                                              flaky: FlakyAuditServer) -> None:
    worker = make_worker(vault, bus, agent_home, store, flaky, [])
    assert worker.drain(retry=False).outcome is Outcome.EMPTY
    assert worker.sync_once().outcome is Outcome.EMPTY
    flaky.revoked = True
    assert worker.sync_once().outcome is Outcome.REVOKED
    assert not vault.exists()


def test_worker_thread_delivers_and_publishes_status(recorder: AuditRecorder, vault: Any,
                                                     bus: EventBus, agent_home: Path,
                                                     store: CredentialStore,
                                                     flaky: FlakyAuditServer) -> None:
    statuses: list[AuditSyncStatus] = []
    bus.subscribe(AuditSyncStatus, statuses.append)
    settings = write_policy(agent_home, server_url=flaky.url, batch_size=10,
                            sync_interval_seconds=1)
    store.save(DeviceCredentials(flaky.device_id, TOKEN, flaky.public_key_hex, flaky.url))
    worker = SyncWorker(vault, bus, settings, session=requests.Session(), store=store)
    worker.start()
    try:
        for _ in range(25):
            recorder.record("phi.view", patient="pat-8")
        worker.sync_now()
        deadline = time.monotonic() + 20
        while len(flaky.events) < 26 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert len(flaky.events) == 26
    assert any(s.online and s.backlog == 0 for s in statuses)


def test_worker_wakes_when_the_vault_unlocks(recorder: AuditRecorder, vault: Any, bus: EventBus,
                                             agent_home: Path, store: CredentialStore,
                                             flaky: FlakyAuditServer) -> None:
    recorder.record("phi.view", patient="pat-8")
    vault.lock()
    settings = write_policy(agent_home, server_url=flaky.url, sync_interval_seconds=3600)
    store.save(DeviceCredentials(flaky.device_id, TOKEN, flaky.public_key_hex, flaky.url))
    worker = SyncWorker(vault, bus, settings, session=requests.Session(), store=store)
    worker.start()
    try:
        time.sleep(0.3)                       # first round finds the vault locked, then waits
        assert flaky.events == []
        vault.unlock(PASSWORD)
        deadline = time.monotonic() + 20
        while len(flaky.events) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert [e["action"] for e in flaky.events] == ["vault.unlock", "phi.view", "vault.lock",
                                                   "vault.unlock"]
