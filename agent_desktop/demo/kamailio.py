"""A real Kamailio over TLS on free loopback ports, for the demo and the integration tests.

The configuration is rendered from ``resources/kamailio/*.cfg.in`` into the runner's own
folder: a TLS-only registrar/proxy with digest auth for a fixed set of users.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from agent_desktop.demo.certs import ThrowawayPKI
from agent_desktop.demo.ports import free_port, wait_for_port
from agent_desktop.errors import AgentDesktopError
from agent_desktop.resources import resource

INSTALL_HINT = "Install it with: sudo apt-get install kamailio kamailio-tls-modules"
# where Debian and Ubuntu put kamailio-tls-modules (the template loads modules from the first)
MODULE_DIRS = ("/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/aarch64-linux-gnu/kamailio/modules",
               "/usr/lib/kamailio/modules")

# Static test users: name -> password (digest auth).
DEFAULT_USERS = {
    "agent": "agent-pw-1",
    "caller": "caller-pw-1",
    "peer2": "peer2-pw-1",
    "peer3": "peer3-pw-1",
    "lead": "lead-pw-1",
    "baresip": "baresip-pw-1",  # third-party peers (tests/support/baresip.py, linphone.py)
    "linphone": "linphone-pw-1",
}


class KamailioMissing(AgentDesktopError):
    """Kamailio (or its TLS module) is not installed on this machine."""


def kamailio_binary(path: str | None = None, sbin: tuple[str, ...] = ("/usr/sbin", "/usr/local/sbin"),
                    module_dirs: tuple[str, ...] = MODULE_DIRS) -> str:
    """The kamailio executable (``path``: the PATH to search, default the environment's);
    :class:`KamailioMissing` with the install command when it or its TLS module is absent."""
    found = shutil.which("kamailio", path=path) or next(
        (str(Path(d, "kamailio")) for d in sbin if os.access(Path(d, "kamailio"), os.X_OK)), None)
    if found is None:
        raise KamailioMissing("Kamailio, the SIP server the demo runs, is not installed", INSTALL_HINT)
    if not any(Path(d, "tls.so").exists() for d in module_dirs):
        raise KamailioMissing("Kamailio's TLS module is not installed", INSTALL_HINT)
    return found


@dataclass
class Kamailio:
    workdir: Path
    pki: ThrowawayPKI
    users: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_USERS))
    require_client_cert: bool = False
    tls_port: int = 0
    udp_port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.workdir / "kamailio.log"

    @property
    def registrar(self) -> str:
        return f"sips:127.0.0.1:{self.tls_port}"

    @property
    def domain(self) -> str:
        return "127.0.0.1"

    def uri(self, user: str) -> str:
        return f"sips:{user}@127.0.0.1:{self.tls_port}"

    def _render(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        auth = "\n".join(
            f'    if ($var(u) == "{u}") {{ $var(pw) = "{p}"; }}' for u, p in self.users.items()
        )
        subst = {
            "@UDP_PORT@": str(self.udp_port), "@TLS_PORT@": str(self.tls_port),
            "@CONF_DIR@": str(self.workdir), "@NONCE_SECRET@": secrets.token_hex(16),
            "@AUTH_USERS@": auth, "@SERVER_KEY@": str(self.pki.server.key),
            "@SERVER_CERT@": str(self.pki.server.cert), "@CA_FILE@": str(self.pki.ca.cert),
            "@VERIFY_CLIENT@": "yes" if self.require_client_cert else "no",
        }
        for name in ("kamailio.cfg", "kamailio-tls.cfg"):
            text = resource(f"kamailio/{name}.in").read_text("utf-8")
            for key, value in subst.items():
                text = text.replace(key, value)
            (self.workdir / name).write_text(text)
        return self.workdir / "kamailio.cfg"

    def start(self) -> Kamailio:
        kamailio_binary()  # a plain "install it" before any port or file is touched
        chosen_here = not self.tls_port
        for attempt in range(3):
            try:
                return self._start_once()
            except RuntimeError:
                # A port we picked may be taken before kamailio binds it: pick again.
                if not chosen_here or attempt == 2:
                    raise
                self.tls_port = self.udp_port = 0
        raise AssertionError("unreachable")

    def _start_once(self) -> Kamailio:
        if not self.tls_port:
            self.tls_port = free_port()
        if not self.udp_port:
            self.udp_port = free_port(2)  # SOCK_DGRAM
        cfg = self._render()
        rundir = self.workdir / "run"
        rundir.mkdir(exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [kamailio_binary(), "-f", str(cfg), "-DD", "-E", "-m", "64", "-M", "8",
             "-P", str(rundir / "kamailio.pid"), "-Y", str(rundir)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        try:
            wait_for_port(self.tls_port, timeout=20)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"kamailio did not start; log:\n{self.log_tail()}") from None
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        # TLS port must be free again before a restart on the same port
        time.sleep(0.2)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
