"""baresip 1.0 (Debian 12) as a third-party SIP peer: TLS to Kamailio, SDES-SRTP, a tone out
and its decoded audio dumped to WAV, driven by commands on stdin, its log on stdout.

It only knows ``sip:`` URIs with ``;transport=tls`` (it cannot dial ``sips:``). Its own WAV
dump stops while a call is held, so judge hold on the wire, not from the dump.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from agent_desktop.demo.certs import TestPKI
from tests.support.console_peer import ConsolePeer, PeerTimeout
from tests.support.ports import free_port

BARESIP = shutil.which("baresip")
MODULES = ("stdio.so", "g711.so", "aufile.so", "aubridge.so", "sndfile.so", "srtp.so")
APP_MODULES = ("account.so", "menu.so")


class Baresip(ConsolePeer):
    """One baresip process registered as ``user`` on ``registrar_hostport`` (TLS)."""
    name = "baresip"

    def __init__(self, workdir: Path, pki: TestPKI, registrar_hostport: str, user: str,
                 password: str, tone: Path, mediaenc: str = "srtp-mand",
                 answer: bool = True) -> None:
        if BARESIP is None:
            raise RuntimeError("baresip is not installed (apt install baresip)")
        self.workdir = workdir
        self.dumps = workdir / "dumps"
        self.dumps.mkdir(parents=True, exist_ok=True)
        cert = workdir / "cert.pem"  # baresip wants certificate and key in one PEM
        cert.write_bytes(pki.server.cert.read_bytes() + pki.server.key.read_bytes())
        cert.chmod(0o600)
        port = free_port()
        enc = f";mediaenc={mediaenc}" if mediaenc else ""
        mode = ";answermode=auto" if answer else ";answermode=manual"
        (workdir / "accounts").write_text(
            f"<sip:{user}@{registrar_hostport};transport=tls>;auth_pass={password}{enc}{mode}"
            ";regint=600\n")
        modules = "\n".join(f"module {m}" for m in MODULES)
        apps = "\n".join(f"module_app {m}" for m in APP_MODULES)
        (workdir / "config").write_text(f"""poll_method epoll
sip_listen 127.0.0.1:{port}
sip_certificate {cert}
sip_cafile {pki.ca_file}
net_interface 127.0.0.1
audio_source aufile,{tone}
audio_player aubridge,sink
audio_alert aubridge,sink
audio_level no
snd_path {self.dumps}
module_path /usr/lib/baresip/modules
{modules}
{apps}
""")
        super().__init__(workdir / "baresip.log")
        self.proc = subprocess.Popen(
            [BARESIP, "-f", str(workdir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True)
        self._start_reading(f"baresip-{user}")

    def wait_registered(self, timeout: float = 60.0) -> None:
        self.wait_line(r"\b200 OK\b|registered|account.*ok", timeout)

    def dial(self, uri: str) -> int:
        at = self.mark()
        self.send(f"/dial {uri}")
        return at

    def hangup(self) -> None:
        self.send("/hangup")

    def accept(self) -> None:
        self.send("/accept")

    def dumps_after(self, t0: float, kind: str = "dec") -> list[Path]:
        return sorted((p for p in self.dumps.glob(f"*{kind}*.wav") if p.stat().st_mtime >= t0),
                      key=lambda p: p.stat().st_mtime)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("/quit")
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=5)
        self._reader.join(5)


def wait_until(pred: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise PeerTimeout(f"{what} did not happen within {timeout:.0f}s")
        time.sleep(0.05)
