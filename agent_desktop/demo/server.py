"""The reference audit server as the demo runs it: its own process, SQLite in the demo's
folder, HTTPS with the throwaway CA, and the FHIR store of synthetic patients."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from agent_desktop.demo.certs import ThrowawayPKI
from agent_desktop.demo.ports import free_port
from agent_desktop.errors import AgentDesktopError

START_TIMEOUT = 30.0


class DemoServerFailed(AgentDesktopError):
    """The demo's audit server did not come up."""


@dataclass
class DemoServer:
    directory: Path
    pki: ThrowawayPKI
    directory_data: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.directory / 'audit.db'}"

    @property
    def base_url(self) -> str:
        return f"https://localhost:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.directory / "server.log"

    def start(self) -> DemoServer:
        """Start and wait for ``/healthz``; a port taken before the server binds it is chosen again."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for attempt in range(3):
            self.port = free_port()
            try:
                return self._start_once()
            except DemoServerFailed:
                if attempt == 2 or "address already in use" not in self.log_tail():
                    raise
        raise AssertionError("unreachable")

    def _start_once(self) -> DemoServer:
        argv = [sys.executable, "-m", "agent_desktop", "server", "--db", self.db_url,
                "--listen", f"127.0.0.1:{self.port}", "--tls-cert", str(self.pki.server.cert),
                "--tls-key", str(self.pki.server.key), "--directory-data", str(self.directory_data),
                "--signing-key", str(self._signing_key())]
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.directory)
        deadline = time.monotonic() + START_TIMEOUT
        with self.session() as s:
            while True:
                if self.process.poll() is not None:
                    raise DemoServerFailed(f"the audit server exited with {self.process.returncode}",
                                           f"Its log: {self.log_file}\n{self.log_tail()}")
                try:
                    if s.get(self.base_url + "/healthz", timeout=1).ok:
                        return self
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise DemoServerFailed(f"the audit server did not answer in {START_TIMEOUT:.0f} s",
                                           self.log_tail())
                time.sleep(0.05)

    def _signing_key(self) -> Path:
        from agent_desktop.server.keys import write_key

        path = self.directory / "receipt-key.pem"
        if not path.exists():
            write_key(path)
        return path

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def session(self, token: str | None = None) -> requests.Session:
        """A session that trusts only the demo CA and sends ``token``."""
        s = requests.Session()
        s.trust_env = False  # REQUESTS_CA_BUNDLE must not replace the demo CA
        s.verify = str(self.pki.ca_file)
        if token:
            s.headers["Authorization"] = f"Bearer {token}"
        return s

    def token(self, role: str, *, agent: str | None = None, team: str | None = None,
              user_role: str | None = None) -> str:
        """A new token through the server's storage layer (IT's `server token create`)."""
        from agent_desktop.server.db import open_database
        from agent_desktop.server.migrations import migrate
        from agent_desktop.server.tokens import create_token

        db = open_database(self.db_url)
        try:
            migrate(db)
            return create_token(db, role, agent_id=agent, team=team, user_role=user_role, actor="demo")
        finally:
            db.close()
