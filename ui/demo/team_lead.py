"""The demo team lead's process: sign in (Qt-free), then the team-lead window until the
demo ends it (SIGTERM) or the window closes; the workstation shuts down either way."""

from __future__ import annotations

import json
import signal
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from agent_desktop.demo.team_lead import READY, sign_in
from ui.ops import GuiOps
from ui.teamlead import TeamLeadWindow


def run_team_lead() -> int:
    spec = json.loads(sys.stdin.read())
    ws = sign_in(spec)
    try:
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        window = TeamLeadWindow(ws, GuiOps(ws))
        window.setWindowTitle(window.windowTitle() + " (demo)")
        signal.signal(signal.SIGTERM, lambda *_: app.quit())
        signal.signal(signal.SIGINT, lambda *_: app.quit())
        beat = QTimer(window)  # lets Python run the signal handlers between Qt events
        beat.timeout.connect(lambda: None)
        beat.start(200)
        ws.guard.mark()
        window.show()
        print(READY, flush=True)
        app.exec()
        window.close()
        ws.guard.clear()
    finally:
        ws.shutdown()
    return 0
