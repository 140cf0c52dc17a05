"""The REAL audit server as a subprocess, for any test that talks to it over HTTP(S).

    from tests.support.audit_server import AuditServer, start_audit_server

    server = start_audit_server(tmp_path)                 # SQLite, plain HTTP on loopback
    server = start_audit_server(tmp_path, pki=pki)        # HTTPS with the `pki` fixture's cert
    server = start_audit_server(tmp_path, db_url=postgres.url)  # PostgreSQL (tests/support/postgres.py)
    try:
        enrolment = server.enroll("agent-1", team="blue")  # {device_id, device_token, ...}
        auditor = server.token("auditor")
        server.session(auditor).get(server.url("/v1/audit/events")).json()
    finally:
        server.stop()

Fixtures: put ``from tests.support.audit_server import audit_server, audit_server_factory``
(noqa F401) in your folder's conftest.py. ``audit_server`` is a fresh SQLite server over
HTTPS (CA in ``server.ca_file``); ``audit_server_factory(**kwargs)`` starts more, all stopped
at teardown. Tokens are made through the server's own storage layer (only hashes stored).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from agent_desktop.demo.certs import TestPKI
from agent_desktop.server.db import open_database
from agent_desktop.server.keys import ReceiptSigner, load_key, write_key
from agent_desktop.server.migrations import migrate
from agent_desktop.server.tokens import create_token
from tests.support.ports import free_port

# the checkout these tests belong to: the server runs in its own folder, where `-m
# agent_desktop` would otherwise import whichever checkout the venv was installed from
CHECKOUT = Path(__file__).resolve().parents[2]


@dataclass
class AuditServer:
    directory: Path
    db_url: str
    port: int
    signing_key: Path
    pki: TestPKI | None = None
    extra_args: Sequence[str] = ()
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def scheme(self) -> str:
        return "https" if self.pki else "http"

    @property
    def base_url(self) -> str:
        host = "localhost" if self.pki else "127.0.0.1"
        return f"{self.scheme}://{host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def ca_file(self) -> Path | None:
        return self.pki.ca_file if self.pki else None

    @property
    def log_file(self) -> Path:
        return self.directory / f"server-{self.port}.log"

    @property
    def signer(self) -> ReceiptSigner:
        return load_key(self.signing_key)

    @property
    def public_key_hex(self) -> str:
        return self.signer.public_key_hex

    def command(self) -> list[str]:
        argv = [sys.executable, "-m", "agent_desktop", "server", "--db", self.db_url,
                "--listen", f"127.0.0.1:{self.port}", "--signing-key", str(self.signing_key)]
        if self.pki:
            argv += ["--tls-cert", str(self.pki.server.cert), "--tls-key", str(self.pki.server.key)]
        return argv + list(self.extra_args)

    def start(self, timeout: float = 30.0) -> AuditServer:
        log = self.log_file.open("ab")
        path = os.pathsep.join(p for p in (str(CHECKOUT), os.environ.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                        cwd=self.directory, env={**os.environ, "PYTHONPATH": path})
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"audit server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(self.url("/healthz"), timeout=1, verify=self.verify).ok:
                    return self
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"audit server not healthy after {timeout:.0f}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def restart(self) -> AuditServer:
        self.stop()
        return self.start()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_file.exists():
            return "(no log)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    @property
    def verify(self) -> str | bool:
        return str(self.ca_file) if self.ca_file else True

    def session(self, token: str | None = None) -> requests.Session:
        """A requests session that trusts this server's CA and sends ``token``."""
        s = requests.Session()
        # REQUESTS_CA_BUNDLE in the environment would override session.verify otherwise
        s.trust_env = False
        s.verify = self.verify
        if token:
            s.headers["Authorization"] = f"Bearer {token}"
        return s

    # --- data -----------------------------------------------------------------------
    def token(self, role: str, *, agent: str | None = None, team: str | None = None,
              user_role: str | None = None, expires_at: str | None = None) -> str:
        """A new token straight through the storage layer: enroll, auditor, admin, team_lead."""
        db = open_database(self.db_url)
        try:
            migrate(db)
            return create_token(db, role, agent_id=agent, team=team, user_role=user_role,
                                expires_at=expires_at, actor="test")
        finally:
            db.close()

    def enroll(self, agent: str = "agent-1", *, team: str | None = "blue",
               user_role: str = "agent") -> dict[str, Any]:
        """Enrol a device over HTTP; returns the server's answer (device_id, device_token...)."""
        token = self.token("enroll", agent=agent, team=team, user_role=user_role)
        response = self.session(token).post(self.url("/v1/enroll"), json={"hostname": "test-host"},
                                            timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


def start_audit_server(directory: Path, *, db_url: str | None = None, pki: TestPKI | None = None,
                       signing_key: Path | None = None, extra_args: Sequence[str] = (),
                       port: int | None = None) -> AuditServer:
    """Start a server (SQLite in ``directory`` unless ``db_url``) and wait for /healthz."""
    directory.mkdir(parents=True, exist_ok=True)
    if signing_key is None:
        signing_key = directory / "receipt-key.pem"
        if not signing_key.exists():
            write_key(signing_key)
    for attempt in range(3):
        server = AuditServer(directory=directory, db_url=db_url or f"sqlite:///{directory / 'audit.db'}",
                             port=port or free_port(), signing_key=signing_key, pki=pki,
                             extra_args=tuple(extra_args))
        try:
            return server.start()
        except RuntimeError:
            # A free port can be taken by another process's outgoing connection before the
            # server binds it; when we chose the port, choose again.
            if port is not None or attempt == 2 or "address already in use" not in server.log_tail():
                raise
    raise AssertionError("unreachable")


@pytest.fixture
def audit_server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., AuditServer]]:
    """``factory(**start_audit_server kwargs)``: start servers, all stopped at teardown."""
    started: list[AuditServer] = []

    def factory(directory: Path | None = None, **kwargs: Any) -> AuditServer:
        server = start_audit_server(directory or tmp_path_factory.mktemp("audit-server"), **kwargs)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def audit_server(audit_server_factory: Callable[..., AuditServer], pki: TestPKI) -> AuditServer:
    """A fresh SQLite audit server over HTTPS (trust ``server.ca_file``)."""
    return audit_server_factory(pki=pki)


def make_chain(device_id: str, count: int, *, start_seq: int = 1, prev_hash: str | None = None,
               user: str = "agent-1", action: str = "phi.view", patient: str | None = "pat-0001",
               ts: str | None = None, **fields: Any) -> list[dict[str, Any]]:
    """``count`` valid, linked events for ``device_id`` continuing after ``prev_hash``."""
    from agent_desktop.audit.event import GENESIS_HASH, build_event

    events: list[dict[str, Any]] = []
    prev = prev_hash or GENESIS_HASH
    for seq in range(start_seq, start_seq + count):
        event = build_event(device_id=device_id, seq=seq, prev_hash=prev, user=user, role="agent",
                            action=action, patient=patient, ts=ts, **fields)
        events.append(event)
        prev = event["hash"]
    return events
