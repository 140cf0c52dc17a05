"""linphonec 5.1 (Debian 12's ``linphone-cli``) as a third-party SIP peer: TLS to Kamailio,
mandatory SDES-SRTP, a WAV file as its microphone and another as its speaker, driven by
commands on stdin, its call states on stdout.

Quirks that decide how it is run (docs/phone.md, "Third-party peers"):

* Its core never starts if it cannot open its message database under
  ``$HOME/.local/share/linphone``: it then opens no SIP transport at all and its REGISTER
  fails with "No listening point matching for [tls://...]". The folder is created here.
* It needs no TLS listener reachable by anyone: Kamailio reaches it over the TLS
  connection its REGISTER opened. UDP and TCP are off (port 0); TLS is on a random port.
* It puts a GRUU in its Contact; Kamailio's test registrar has ``gruu_enabled=0``.
* Its mbedTLS does not match IP subjectAltNames, so the name check is off while the CA
  check stays on (``verify_server_cn=0``, ``verify_server_certs=1``).
* ``play``/``record`` apply to the next call; the recording is complete once the call ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from agent_desktop.demo.certs import TestPKI
from tests.support.console_peer import ConsolePeer, PeerTimeout

LINPHONEC = shutil.which("linphonec")


def linphonerc(pki: TestPKI, registrar_hostport: str, user: str, password: str,
               media_encryption: str = "srtp", mandatory: bool = True,
               register: bool = True) -> str:
    host = registrar_hostport.rsplit(":", 1)[0]
    return f"""[sip]
sip_port=0
sip_tcp_port=0
sip_tls_port=-1
root_ca={pki.ca_file}
verify_server_certs=1
verify_server_cn=0
default_proxy=0
register_only_when_network_is_up=0
inc_timeout=60
media_encryption={media_encryption}
media_encryption_mandatory={1 if mandatory else 0}
[net]
firewall_policy=0
[rtp]
audio_rtp_port=-1
[video]
enabled=0
automatically_initiate=0
automatically_accept=0
[sound]
echocancellation=0
[proxy_0]
reg_proxy=<sip:{registrar_hostport};transport=tls>
reg_identity=sip:{user}@{host}
reg_expires=600
reg_sendregister={1 if register else 0}
publish=0
dial_escape_plus=0
[auth_info_0]
username={user}
passwd={password}
realm={host}
"""


class Linphone(ConsolePeer):
    """One linphonec process registered as ``user`` on ``registrar_hostport`` (TLS)."""
    name = "linphonec"

    def __init__(self, workdir: Path, pki: TestPKI, registrar_hostport: str, user: str,
                 password: str, tone: Path, media_encryption: str = "srtp",
                 mandatory: bool = True, auto_answer: bool = True, register: bool = True) -> None:
        if LINPHONEC is None:
            raise RuntimeError("linphonec is not installed (apt install linphone-cli)")
        self.workdir = workdir
        self.tone = tone
        home = workdir / "home"
        (home / ".local" / "share" / "linphone").mkdir(parents=True, exist_ok=True)
        (home / ".config" / "linphone").mkdir(parents=True, exist_ok=True)
        self.rc = workdir / "linphonerc"
        self.rc.write_text(linphonerc(pki, registrar_hostport, user, password,
                                      media_encryption, mandatory, register))
        self.rc.chmod(0o600)
        super().__init__(workdir / "linphonec.log")
        # level 6 puts every SIP message in core.log, for whoever reads a failure
        args = [LINPHONEC, "-c", str(self.rc), "-d", "6", "-l", str(workdir / "core.log")]
        if auto_answer:
            args.append("-a")
        env = {**os.environ, "HOME": str(home), "TERM": "dumb"}
        env.pop("DISPLAY", None)
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=workdir, env=env,
                                     start_new_session=True)
        self._start_reading(f"linphonec-{user}")
        self.send("soundcard use files")
        self.send(f"play {tone}")

    def wait_registered(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            at = self.mark()
            self.send("status register")
            # the first answer comes only once linphonec has started, which on a loaded
            # machine takes longer than a fixed few seconds: wait for it with the whole budget
            left = max(1.0, deadline - time.monotonic())
            m = self.wait_line(r"^(?:linphonec> )*(registered.*)$", timeout=left, since=at)
            if m.group(1).startswith("registered,"):
                return
            if time.monotonic() > deadline:
                raise PeerTimeout(f"linphonec did not register within {timeout:.0f}s: {m.group(1)}")
            time.sleep(0.2)

    def record_next_call(self, path: Path) -> None:
        """Its speaker for the next call: a WAV file, complete once that call ends."""
        self.send(f"record {path}")

    def dial(self, uri: str) -> int:
        at = self.mark()
        self.send(f"call {uri} --audio-only")
        return at

    def hangup(self) -> int:
        at = self.mark()
        self.send("terminate all")
        return at

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=5)
        self._reader.join(5)
