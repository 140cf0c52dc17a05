"""Fixtures for the audit trail: a vault, a bus, a recorder, settings from a policy file."""

from __future__ import annotations

import os
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from agent_desktop.audit.outbox_schema import create_audit_outbox
from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.bus import EventBus
from agent_desktop.paths import AppPaths
from agent_desktop.policy import Settings, load_settings
from tests.support.audit_server import audit_server, audit_server_factory  # noqa: F401 - fixtures


class VaultLocked(Exception):
    pass


class TempVault:
    """TEMPORARY stand-in until the vault branch lands (same API subset)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.key = os.urandom(32)
        self._q: queue.Queue[Any] = queue.Queue()
        self._conn: Any = None
        self._hooks: list[Callable[[Any, list[Any]], None]] = []
        self.pending: list[dict[str, Any]] = []
        self.wiped = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            fn, fut = self._q.get()
            if fn is None:
                return
            try:
                fut.set_result(fn())
            except BaseException as err:  # noqa: BLE001 - handed to the future
                fut.set_exception(err)

    def _call(self, fn: Callable[[], Any]) -> Future[Any]:
        fut: Future[Any] = Future()
        self._q.put((fn, fut))
        return fut

    def unlock(self) -> None:
        def go() -> None:
            conn = sqlcipher3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA key = \"x'{self.key.hex()}'\"")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            create_audit_outbox(conn)
            for hook in self._hooks:
                hook(conn, list(self.pending))
            self.pending.clear()
            self._conn = conn
        self._call(go).result()

    def lock(self) -> None:
        def go() -> None:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
        self._call(go).result()

    def wipe(self) -> None:
        self.lock()
        self.wiped = True
        self.path.unlink(missing_ok=True)

    def record_locked_event(self, action: str, outcome: str, detail: dict[str, Any]) -> None:
        self.pending.append({"action": action, "outcome": outcome, "detail": detail})

    def add_unlock_hook(self, hook: Callable[[Any, list[Any]], None]) -> None:
        self._hooks.append(hook)

    def submit(self, fn: Callable[[Any], Any]) -> Future[Any]:
        def go() -> Any:
            if self._conn is None:
                raise VaultLocked("locked")
            return fn(self._conn)
        return self._call(go)

    def transaction(self, fn: Callable[[Any], Any]) -> Future[Any]:
        def go() -> Any:
            if self._conn is None:
                raise VaultLocked("locked")
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(self._conn)
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return result
        return self._call(go)

    def close(self) -> None:
        self.lock()
        self._q.put((None, None))


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def vault(agent_home: Path) -> Iterator[TempVault]:
    paths = AppPaths.from_env()
    paths.ensure()
    v = TempVault(paths.data / "vault.db")
    yield v
    v.close()


@pytest.fixture
def device_id() -> str:
    return "dev-" + uuid.uuid4().hex[:12]


@pytest.fixture
def recorder(vault: TempVault, bus: EventBus, device_id: str) -> AuditRecorder:
    rec = AuditRecorder(vault, bus, device_id=device_id, user="agent-007", role="agent")
    vault.unlock()
    return rec


@pytest.fixture
def reopen_vault(vault: TempVault, bus: EventBus, device_id: str
                 ) -> Callable[[], tuple[TempVault, AuditRecorder]]:
    """Simulate an application restart: close the vault, open it again with a new recorder."""
    def reopen() -> tuple[TempVault, AuditRecorder]:
        vault.lock()
        vault._hooks.clear()
        rec = AuditRecorder(vault, bus, device_id=device_id, user="agent-007", role="agent")
        vault.unlock()
        return vault, rec
    return reopen


def write_policy(agent_home: Path, **audit: Any) -> Settings:
    lines = ["[audit]"]
    for key, value in audit.items():
        lines.append(f"{key} = {value!r}".replace("'", '"'))
    Path(os.environ["AGENT_DESKTOP_POLICY"]).write_text("\n".join(lines) + "\n")
    return load_settings(AppPaths.from_env())


def open_raw(vault: Any) -> Any:
    """A second, direct SQLCipher connection to the vault file with its key (for tampering)."""
    conn = sqlcipher3.connect(str(vault.path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{vault.key.hex()}'\"")
    return conn
