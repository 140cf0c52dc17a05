"""SIGKILL at random points: every event whose record() returned survives, gap-free, chained."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from agent_desktop.audit import outbox
from agent_desktop.audit.event import verify_chain
from agent_desktop.audit.recorder import AuditRecorder
from tests.integration.audit.conftest import PASSWORD
from tests.support.vault_env import VaultFactory, unique_profile

ROOT = Path(__file__).resolve().parents[3]


def run_and_kill(profile: str, device_id: str, delay: float) -> list[tuple[int, str]]:
    child = subprocess.Popen([sys.executable, "-m", "tests.support.audit_child", profile, device_id],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=ROOT, env=dict(os.environ))
    assert child.stdin and child.stdout
    child.stdin.write(PASSWORD + "\n")
    child.stdin.close()
    lines: list[str] = []
    ready = threading.Event()

    def reader() -> None:
        assert child.stdout
        for line in child.stdout:
            if line.strip() == "ready":
                ready.set()
            else:
                lines.append(line)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    assert ready.wait(60), child.stderr.read() if child.stderr else "child never ready"
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    thread.join(10)
    assert child.returncode == -signal.SIGKILL
    acknowledged = []
    for line in lines:
        if line.endswith("\n"):  # a torn last line was never fully acknowledged
            seq, event_id = line.split()
            acknowledged.append((int(seq), event_id))
    return acknowledged


def test_acknowledged_events_survive_sigkill(vaults: VaultFactory, agent_home: Path) -> None:
    profile, device_id = unique_profile(), "dev-" + os.urandom(6).hex()
    rng = random.Random(2026)
    acknowledged: list[tuple[int, str]] = []
    for _ in range(4):
        got = run_and_kill(profile, device_id, rng.uniform(0.05, 0.6))
        assert got, "the child recorded nothing before the kill"
        acknowledged += got
    vault = vaults(profile)  # also registers the vault's keyring entries for cleanup
    recorder = AuditRecorder(vault, vaults.bus, device_id=device_id, user="agent-007", role="agent")
    vault.unlock(PASSWORD)
    events = vault.submit(lambda c: list(outbox.stored_events(c))).result()
    by_seq = {e["seq"]: e["id"] for e in events}
    missing = [(s, i) for s, i in acknowledged if by_seq.get(s) != i]
    assert missing == []
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    verify_chain(events)
    assert recorder.verify_local().ok
    # one vault.unlock per start (4 children + this one), the rest are the child's records
    assert sum(e["action"] == "vault.unlock" for e in events) == 5
    assert len(events) - 5 >= len(acknowledged)
