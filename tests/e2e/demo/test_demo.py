"""The demo end to end, on real components: Kamailio over TLS, the audit server over HTTPS,
a pjsua2 caller with SRTP, the Workstation on gnome-keyring.

One run as the user starts it (`agent-desktop demo --headless`, then Ctrl-C mid-call), and
one in this process driving the :class:`Demo` object the way the GUI banner does.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agent_desktop.cli.main import main as cli
from agent_desktop.demo import keyring_sweep
from agent_desktop.demo.headless import HeadlessAgent
from agent_desktop.demo.runner import Demo, DemoOptions

FIRST_RING_LIMIT = 60.0  # the promise: a real encrypted call rings within a minute


class Output:
    """The demo process's stdout, line by line, waited on by pattern."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, deadline: float) -> re.Match[str]:
        while True:
            try:
                line = self._queue.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} in time; output:\n"
                                     + "\n".join(self.lines)) from None
            if line is None:
                raise AssertionError(f"the demo ended before {pattern!r}; output:\n" + "\n".join(self.lines))
            self.lines.append(line)
            found = re.search(pattern, line)
            if found:
                return found

    def rest(self) -> str:
        self._thread.join(timeout=30)
        while (line := self._queue.get_nowait() if not self._queue.empty() else None) is not None:
            self.lines.append(line)
        return "\n".join(self.lines)


def _children(pid: int) -> dict[int, str]:
    """Direct children of ``pid`` with their command lines (pid reuse cannot fool the check)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out[int(entry.name)] = (entry / "cmdline").read_bytes().decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
    return out


def _mentioning(path: Path) -> list[str]:
    """Command lines of running processes that name ``path`` (Kamailio's config, the server's db)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmd = (entry / "cmdline").read_bytes().decode(errors="replace") if entry.name.isdigit() else ""
        except OSError:
            continue
        if str(path) in cmd:
            found.append(cmd.replace("\0", " "))
    return found


def _alive(pid: int, cmdline: str) -> bool:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace") == cmdline
    except OSError:
        return False


@contextmanager
def demo_process(tmp_path: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], Output]]:
    """`agent-desktop demo ARGS --tmp tmp_path`, its output read; killed if a test fails."""
    proc = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-m", "agent_desktop", "demo", *args, "--tmp", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "QT_QPA_PLATFORM": "offscreen"})
    try:
        yield proc, Output(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def interrupt(proc: subprocess.Popen[str], out: Output) -> str:
    """Ctrl-C; the demo exits 130 having said it removed everything. Returns all it printed."""
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)  # faulthandler prints where it hangs
        proc.wait(timeout=30)
        raise AssertionError("the demo did not stop within 60 s of Ctrl-C:\n" + out.rest()) from None
    assert code == 130, out.rest()
    text = out.rest()
    assert "demo stopped; its temporary folder and keyring entries are gone" in text
    return text


@pytest.mark.parametrize("mode", ["headless", "window"])
def test_the_first_call_rings_within_a_minute_and_ctrl_c_leaves_nothing(
        mode: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, secret_service: str) -> None:
    shots = tmp_path_factory.mktemp("screenshots")
    how = ["--headless"] if mode == "headless" else ["--screenshots", str(shots)]
    started = time.monotonic()
    with demo_process(tmp_path, *how, "--every", "0", "--first-call-after", "0.5") as (proc, out):
        profile = out.wait_for(r"profile (demo-[0-9a-f]+)", started + FIRST_RING_LIMIT).group(1)
        out.wait_for(r"RINGING: the first encrypted call", started + FIRST_RING_LIMIT)
        out.wait_for(r"agent( \(on screen\))?: answered; screen pop found", time.monotonic() + 30)
        if mode == "window":
            out.wait_for(r"screenshot saved: .*-verified.png", time.monotonic() + 30)
            assert [p.name for p in sorted(shots.iterdir())][:2] == ["01-ringing.png", "02-verified.png"]
        # mid-call: the demo's processes, files and keyring entries all exist
        children = _children(proc.pid)
        commands = " ".join(children.values())
        assert "kamailio" in commands and "server" in commands and "sip_peer" in commands, children
        assert keyring_sweep.entries(profile), "the demo made no keyring entry (cannot test their removal)"
        assert any(tmp_path.iterdir())
        text = interrupt(proc, out)
    assert list(tmp_path.iterdir()) == [], text
    assert keyring_sweep.entries(profile) == []
    assert [pid for pid, cmd in children.items() if _alive(pid, cmd)] == []
    assert _mentioning(tmp_path) == []


def test_ctrl_c_while_starting_leaves_nothing(tmp_path: Path, secret_service: str) -> None:
    with demo_process(tmp_path, "--headless") as (proc, out):
        profile = out.wait_for(r"as profile (demo-[0-9a-f]+)", time.monotonic() + 60).group(1)
        # Kamailio and the server are starting now; the workstation is not signed in yet
        text = interrupt(proc, out)
    assert "RINGING" not in text, text
    assert list(tmp_path.iterdir()) == [], text
    assert _mentioning(tmp_path) == []
    assert keyring_sweep.entries(profile) == []


def test_the_banner_controls_call_on_demand_and_the_auditor_sees_who_verified(
        tmp_path: Path, secret_service: str, capsys: pytest.CaptureFixture[str]) -> None:
    lines: list[str] = []
    demo = Demo(DemoOptions(every_seconds=0, first_call_after=0.2, parent=tmp_path), say=lines.append)
    demo.start()
    agent = HeadlessAgent(demo, talk_seconds=0.5)
    demo.begin_calls()
    try:
        assert demo.first_ring.wait(FIRST_RING_LIMIT), lines
        with agent.handled:
            assert agent.handled.wait_for(lambda: agent.calls_handled == 1, timeout=60), lines
        assert demo.patient is not None
        report = demo.who_saw()
        actions = [e["action"] for e in report["events"]]
        assert actions[:1] == ["verify.start"] and "verify.pass" in actions, report
        assert {e["user"] for e in report["events"]} == {"demo-agent"}
        # the data shown after verification: each group audited, so the auditor sees who saw it
        assert actions.index("verify.pass") < actions.index("phi.reveal")
        assert [(p["user"], p["field_groups"]) for p in report["people"]] == \
            [("demo-agent", ["appointments", "demographics"])]
        trail = [e["action"] for e in demo.audit_trail(limit=50)["events"]]
        assert {"call.incoming", "call.answer", "call.end", "directory.lookup", "call.disposition"} <= set(trail)

        # the compliance officer's CLI verb gives the same answer from the database
        assert demo.server is not None
        capsys.readouterr()
        assert cli(["server", "report", "who-saw", "--db", demo.server.db_url,
                    "--patient", demo.patient.record.id]) == 0
        assert "demo-agent (agent)" in capsys.readouterr().out

        # "Call me now" rings again; a second press while that call is up is refused
        assert demo.caller is not None and demo.caller.wait_idle(30), lines
        assert demo.call_now()
        assert not demo.call_now()
        with agent.handled:
            assert agent.handled.wait_for(lambda: agent.calls_handled == 2, timeout=60), lines
        assert len(demo.ring_times) == 2
        assert keyring_sweep.entries(demo.profile)

        # "Open team lead": its own process and profile, signed in, window open
        lead = demo.open_team_lead()
        assert lead.ready.wait(FIRST_RING_LIMIT), lines
        assert keyring_sweep.entries(f"{demo.profile}-lead")
    finally:
        agent.stop()
        demo.stop()
    assert list(tmp_path.iterdir()) == []
    assert keyring_sweep.entries(demo.profile) == []  # the lead's "<profile>-lead" entries too
    assert not lead.running
