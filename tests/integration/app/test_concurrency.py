"""The workstation's concurrency contract, on real components.

Events from the SIP, vault, sync and idle threads reach a consumer only through its
executor; the vault runs work submitted from its own thread inline instead of deadlocking;
blocking calls on the GUI thread raise; and many threads recording, locking, unlocking and
syncing at once neither deadlock nor leave a gap in the hash chain.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from agent_desktop.app import BlockingCallOnGuiThread, StateChanged, Workstation, WorkstationState
from agent_desktop.audit.notices import AuditRecorded, AuditSyncStatus
from agent_desktop.demo.kamailio import DEFAULT_USERS
from agent_desktop.errors import AgentDesktopError
from agent_desktop.phone.credentials import SipCredentials
from agent_desktop.phone.events import RegistrationChanged
from agent_desktop.vault.events import VaultLocked
from tests.support.workstation_env import (
    PASSWORD,
    Events,
    FakeMonotonic,
    WorkstationEnv,
    wait_until,
    workstation_env,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.usefixtures("secret_service")


class Consumer:
    """An executor with its own thread, standing in for the GUI's event loop."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="consumer")
        self.delivered: list[tuple[str, str, str]] = []  # (event type, publisher thread, ran on)
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> None:
        publisher = threading.current_thread().name
        self.pool.submit(self._run, publisher, fn, args)

    def _run(self, publisher: str, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        with self._lock:
            self.delivered.append((type(args[0]).__name__, publisher, threading.current_thread().name))
        fn(*args)

    def publishers(self, event: str) -> set[str]:
        with self._lock:
            return {p for e, p, _ in self.delivered if e == event}


@pytest.fixture
def ready(workstation_env: WorkstationEnv) -> Iterator[tuple[Workstation, FakeMonotonic]]:  # noqa: F811
    clock = FakeMonotonic()
    ws = workstation_env.workstation(monotonic=clock, **{"vault.idle_lock_minutes": 1})
    ws.enroll(workstation_env.enrolment_token(agent="agent-conc"))
    report = ws.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"])
    assert report.registered, report
    yield ws, clock
    ws.shutdown()


def test_events_from_every_core_thread_reach_the_consumer_on_its_executor(
        ready: tuple[Workstation, FakeMonotonic]) -> None:
    ws, clock = ready
    consumer = Consumer()
    seen = Events(ws.bus, StateChanged)
    unsubscribe = ws.subscribe((RegistrationChanged, AuditSyncStatus, AuditRecorded, VaultLocked),
                               lambda e: None, consumer)
    assert ws.phone is not None and ws.recorder is not None
    ws.phone.unregister().result(10)  # published on the SIP thread
    ws.phone.register(SipCredentials("agent", DEFAULT_USERS["agent"])).result(10)
    ws.recorder.record("test.concurrency")
    ws.sync_now()
    # the round must run while unlocked: a locked vault has nothing to send and no news
    wait_until(lambda: bool(consumer.publishers("AuditSyncStatus")), what="a sync status")
    clock.advance(61)  # the idle thread locks
    seen.wait(StateChanged, lambda e: e.state is WorkstationState.LOCKED)
    wait_until(lambda: consumer.publishers("VaultLocked") and consumer.publishers("RegistrationChanged")
               and consumer.publishers("AuditSyncStatus") and consumer.publishers("AuditRecorded"),
               what="events of every kind delivered")
    unsubscribe()
    consumer.pool.shutdown(wait=True)
    assert all(ran.startswith("consumer") for _, _, ran in consumer.delivered)
    assert any(p.startswith("sip") for p in consumer.publishers("RegistrationChanged")), consumer.delivered
    # sync status comes from the sync thread or from the vault thread that acknowledged a batch
    assert all(p == "audit-sync" or p.startswith("vault-") for p in consumer.publishers("AuditSyncStatus"))
    assert "vault-idle" in consumer.publishers("VaultLocked")


def test_vault_work_submitted_from_the_vault_thread_runs_inline(
        ready: tuple[Workstation, FakeMonotonic]) -> None:
    ws, _ = ready

    def outer(conn: Any) -> int:
        inner = ws.vault.submit(lambda c: int(c.execute("SELECT 41 + 1").fetchone()[0]))
        return int(inner.result(timeout=1))  # would deadlock if queued behind ``outer``

    assert ws.vault.submit(outer).result(5) == 42


def test_blocking_calls_on_the_gui_thread_raise_and_run_through_the_op_runner(
        ready: tuple[Workstation, FakeMonotonic]) -> None:
    ws, _ = ready
    ws.guard.mark()
    try:
        with pytest.raises(BlockingCallOnGuiThread):
            ws.unlock(PASSWORD)
        with pytest.raises(BlockingCallOnGuiThread):
            ws.wrap_up("c1", "resolved")
        errors: list[AgentDesktopError] = []
        done = threading.Event()
        ws.ops.run(ws.wrap_up, "c1", "no-such-code", deliver=_Inline(),
                   on_error=lambda e: (errors.append(e), done.set()))
        assert done.wait(10)
        assert "disposition" in errors[0].message
    finally:
        ws.guard.clear()


class _Inline:
    def submit(self, fn: Callable[..., Any], /, *args: Any) -> None:
        fn(*args)


def test_records_locks_unlocks_and_syncs_from_many_threads_leave_a_gap_free_chain(
        ready: tuple[Workstation, FakeMonotonic]) -> None:
    ws, _ = ready
    assert ws.recorder is not None
    recorder = ws.recorder
    stop = threading.Event()
    problems: list[str] = []
    recorded = [0]
    count_lock = threading.Lock()

    def writer(n: int) -> None:
        rng = random.Random(n)
        while not stop.is_set():
            try:
                recorder.record("test.stress", detail={"writer": n})
                with count_lock:
                    recorded[0] += 1
            except AgentDesktopError as err:
                if "locked" not in err.message:
                    problems.append(err.message)
            if rng.random() < 0.2:
                ws.sync_now()

    def locker() -> None:
        for _ in range(6):
            ws.lock("manual")
            ws.unlock(PASSWORD)

    with ThreadPoolExecutor(5) as pool:
        writers = [pool.submit(writer, n) for n in range(3)]
        pool.submit(locker).result(timeout=120)
        stop.set()
        for w in writers:
            w.result(timeout=60)
    assert not problems, problems
    assert recorded[0] > 0
    verification = recorder.verify_local()
    assert verification.ok, verification


def test_settings_change_live_and_locked_keys_are_refused(
        workstation_env: WorkstationEnv) -> None:  # noqa: F811
    ws = workstation_env.workstation(**{"ui.language": "en", "policy.locked": ["ui.language"]})
    try:
        ws.set_setting("vault.idle_lock_minutes", 2)
        assert ws.idle.timeout_seconds == 120
        with pytest.raises(AgentDesktopError, match="maximum"):
            ws.set_setting("vault.idle_lock_minutes", 500)
        with pytest.raises(AgentDesktopError):
            ws.set_setting("sip.ca_bundle", "/tmp/other-ca.pem")  # policy-only
        with pytest.raises(AgentDesktopError, match="locked"):
            ws.set_setting("ui.language", "es")
    finally:
        ws.shutdown()


def test_unattended_first_start_enrols_from_the_per_user_token_file_and_deletes_it(
        workstation_env: WorkstationEnv) -> None:  # noqa: F811
    import os

    from agent_desktop.audit.enrol_token import token_file

    ws = workstation_env.workstation()
    try:
        assert ws.enroll_from_file() is None and ws.state is WorkstationState.NOT_ENROLLED
        path = token_file(ws.paths)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, workstation_env.enrolment_token(agent="agent-unattended").encode())
        os.close(fd)
        creds = ws.enroll_from_file()
        assert creds is not None and ws.state is WorkstationState.NO_VAULT
        assert not path.exists(), "a used token never stays on disk"
    finally:
        ws.shutdown()
