"""The one TLS option pjsua2 cannot read back (SockOpt's value) is checked on the syscall."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agent_desktop.demo import certs

STRACE = shutil.which("strace")
SCRIPT = """
import sys
from agent_desktop.bus import EventBus
from agent_desktop.phone.config import PhoneConfig
from agent_desktop.phone.engine import Phone
phone = Phone(PhoneConfig(registrar="sips:127.0.0.1:5061", ca_bundle=sys.argv[1], null_audio=True),
              EventBus())
phone.start()
print("clean" if phone.stop().clean else "unclean")
"""


def test_the_tls_transport_socket_really_gets_tcp_nodelay(pki: certs.TestPKI, tmp_path: Path) -> None:
    if STRACE is None:
        pytest.skip("strace is not installed: cannot observe setsockopt (apt install strace)")
    trace = tmp_path / "strace.txt"
    out = subprocess.run(
        [STRACE, "-f", "-e", "trace=setsockopt", "-o", str(trace), sys.executable, "-c", SCRIPT,
         str(pki.ca_file)], capture_output=True, text=True, timeout=60,
        cwd=Path(__file__).parents[3])
    if "Operation not permitted" in out.stderr and not trace.exists():
        pytest.skip("ptrace is not permitted here: cannot observe setsockopt")
    assert out.returncode == 0 and out.stdout.strip().endswith("clean"), out.stderr[-2000:]
    calls = [ln for ln in trace.read_text().splitlines() if "TCP_NODELAY" in ln]
    assert calls, "the engine never asked for TCP_NODELAY"
    assert all("[1], 4) = 0" in ln for ln in calls), calls
