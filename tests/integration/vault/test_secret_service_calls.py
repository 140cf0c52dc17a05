"""How the vault speaks to the real Secret Service (gnome-keyring), watched with dbus-monitor.

gnome-keyring aborts when a new caller's first message is a property read that overtakes its
registration (keyring's stock backend sends exactly that, on a new connection per call), and
D-Bus then starts a fresh daemon whose login keyring is locked. Each of our processes keeps one
connection whose first message is OpenSession, and one session for all its calls."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SECRETS = "org.freedesktop.secrets"
SENTINEL = "/agent_desktop/test/sentinel"


class Monitor:
    """dbus-monitor's record of every method call addressed to the Secret Service."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["dbus-monitor", "--session", "--profile", f"destination='{SECRETS}'"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        # dbus-monitor reports losing its own name once it has become a monitor
        self.wait_for(lambda line: line.endswith("\tNameLost"), "dbus-monitor to start")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, pred: object, what: str, timeout: float = 60) -> None:
        assert callable(pred)
        with self._changed:
            if not self._changed.wait_for(lambda: any(pred(line) for line in self.lines), timeout):
                raise AssertionError(f"timed out waiting for {what}; saw {len(self.lines)} lines")

    def calls_by_sender(self) -> dict[str, list[str]]:
        calls: dict[str, list[str]] = defaultdict(list)
        for line in self.lines:
            fields = line.split("\t")
            if fields[0] == "mc" and len(fields) >= 8 and fields[5] != SENTINEL:
                calls[fields[3]].append(fields[7])
        return calls

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture
def monitor(usable_keyring: str) -> Iterator[Monitor]:
    m = Monitor()
    try:
        yield m
    finally:
        m.close()


def _owner() -> str:
    out = subprocess.run(
        ["dbus-send", "--session", "--print-reply=literal", "--dest=org.freedesktop.DBus", "/",
         "org.freedesktop.DBus.GetNameOwner", f"string:{SECRETS}"],
        capture_output=True, text=True, timeout=30, check=True)
    return out.stdout.strip()


def test_each_process_opens_one_session_first_and_the_daemon_survives_them_all(monitor: Monitor) -> None:
    daemon = _owner()
    children = [subprocess.Popen([sys.executable, "-m", "tests.support.keyring_worker", str(n), "3", "4"],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for n in range(3)]
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0 and out.strip() == "ok", (out, err)
    # Everything the children sent was routed before they exited; a last message marks the end.
    subprocess.run(["dbus-send", "--session", f"--dest={SECRETS}", "--print-reply", SENTINEL,
                    "org.freedesktop.DBus.Peer.Ping"], capture_output=True, timeout=30, check=True)
    monitor.wait_for(lambda line: SENTINEL in line, "the sentinel")

    calls = {sender: seq for sender, seq in monitor.calls_by_sender().items() if "CreateItem" in seq}
    assert len(calls) == 3, f"one connection per process, each storing entries: {sorted(calls)}"
    for sender, seq in calls.items():
        assert seq[0] == "OpenSession", f"{sender} began with {seq[0]}, before its session"
        assert seq.count("OpenSession") == 1, f"{sender} opened {seq.count('OpenSession')} sessions"
        assert seq.count("CreateItem") == 12 and seq.count("Delete") == 12
    assert _owner() == daemon, "the Secret Service was restarted: the daemon died"
