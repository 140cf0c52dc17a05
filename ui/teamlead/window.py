"""The team lead's window: the roster view over the signed-in team lead's workstation."""

from __future__ import annotations

from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QMainWindow

from agent_desktop import __version__
from agent_desktop.app import Workstation
from agent_desktop.app.monitoring import SupervisionChanged
from ui.bridge import BusBridge
from ui.ops import GuiOps

from .view import RosterView


class TeamLeadWindow(QMainWindow):
    """Shown to the ``team_lead`` role after sign-in (its own process: one pjsua2 endpoint each)."""

    def __init__(self, workstation: Workstation, ops: GuiOps) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("Agent Desktop {version}: team lead").format(version=__version__))
        self.resize(1000, 640)
        refresh = float(workstation.settings.get("presence.roster_refresh_seconds"))
        self.roster = RosterView(workstation, ops, refresh_seconds=refresh, parent=self,
                                 monitor=workstation)
        self.setCentralWidget(self.roster)
        self.bridge = BusBridge(workstation.bus, (SupervisionChanged,), self)
        self.bridge.core_event.connect(self.roster.on_supervision)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.roster.running:
            self.roster.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.roster.stop()
        self.bridge.close()
        super().closeEvent(event)
