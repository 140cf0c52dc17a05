"""The demo's window: the agent's call workspace on the demo's signed-in workstation, with
the demo banner on top. The person answers and verifies; on a virtual screen the tour
(:mod:`ui.demo.tour`) plays the agent and saves screenshots of the main moments.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from agent_desktop.app import WorkstationState
from agent_desktop.demo.runner import AGENT_ID, DEMO_PASSWORD, Demo
from agent_desktop.phone import events as pev
from ui.calls.workspace import CallWorkspace
from ui.demo.banner import DemoBanner
from ui.demo.tour import Tour
from ui.ops import EventBridge


class DemoAdapter:
    """The :class:`Demo` as the banner's controls."""

    password = DEMO_PASSWORD
    agent_id = AGENT_ID

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        assert demo.patient is not None
        p = demo.patient.record.person
        born = p.birth_date.isoformat() if p.birth_date else "?"
        self.caller_card = (f"The caller plays {' '.join((*p.given, *p.family))}, born {born}, "
                            f"ZIP {p.zip or '?'}, member ID {p.member_id or '?'} (synthetic)")

    def call_now(self) -> bool:
        return self.demo.call_now()

    def lock_now(self) -> None:
        self.demo.lock_now()

    def audit_trail(self, limit: int = 20) -> dict[str, Any]:
        return self.demo.audit_trail(limit)

    def who_saw(self) -> dict[str, Any]:
        return self.demo.who_saw()

    def open_team_lead(self) -> Any:
        return self.demo.open_team_lead()


class Desktop:
    """The agent's real desktop (the shell drives it: workspace, status bar, lock screen
    with unlock) on the demo's workstation, its call workspace, and the shell's ops (the
    banner runs its waits through them)."""

    def __init__(self, ws: Any) -> None:
        from ui.main_window import MainWindow
        from ui.shell import Shell

        self.window = MainWindow(ws.settings)
        self.shell = Shell(ws, self.window, profiles=[ws.profile], os_lock=False, tray=False)
        self.ops = self.shell.ops
        calls = self.window.workspace.calls
        assert isinstance(calls, CallWorkspace)
        self.workspace = calls

    def close(self) -> None:
        self.shell.detach()  # clears the GUI-thread guard: the demo stops from this thread next
        self.window.close()


def run_demo_window(demo: Demo, screenshots: Path | None, say: Callable[[str], None],
                    calls: int = 0) -> int:
    """Until the window closes or Ctrl-C (130); with ``calls``, until that many calls ended
    (and, with ``screenshots``, the tour finished)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    ws = demo.workstation
    assert isinstance(app, QApplication) and ws is not None and demo.patient is not None
    app.setApplicationName("Agent Desktop (demo)")
    desktop = Desktop(ws)
    window, workspace = desktop.window, desktop.workspace
    desktop.shell.quit_finished.connect(app.quit)
    adapter = DemoAdapter(demo)
    banner = DemoBanner(adapter, desktop.ops, window)
    banner.caller.setText(adapter.caller_card)
    window.setMenuWidget(banner)
    window.resize(1440, 960)
    ended: list[str] = []
    calls_bridge = EventBridge(ws, (pev.CallEnded,), window)
    calls_bridge.arrived.connect(lambda e: ended.append(e.call.call_id))
    tour = None
    if screenshots is not None:
        tour = Tour(window, workspace, banner, demo.patient.record.person, screenshots, say,
                    lock=demo.lock_now, locked=lambda: ws.state is WorkstationState.LOCKED)
    interrupted: list[int] = []

    def stop(*_: object) -> None:
        interrupted.append(1)
        app.exit(0)  # not quit(): Qt would ask each window to close and the shell would ask first

    def heartbeat() -> None:  # also lets Python run its signal handlers between Qt events
        if calls and len(ended) >= calls and (tour is None or not tour.steps):
            app.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    timer = QTimer(window)
    timer.timeout.connect(heartbeat)
    timer.start(200)
    window.show()
    if tour is not None:
        tour.start()
    demo.begin_calls()  # the window listens now
    try:
        app.exec()
        return 130 if interrupted else 0
    finally:
        timer.stop()
        banner.timer.stop()
        calls_bridge.close()
        desktop.close()
