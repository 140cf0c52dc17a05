"""The demo banner above the desktop: says it is a demo with synthetic data, shows the
demo password and the server's audit trail growing, and has the demo's controls.

Every control that may wait (the server's trail, "who saw this patient?") runs on the
workstation's pool through :class:`ui.ops.GuiOps`; the answer comes back on the GUI thread.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.errors import AgentDesktopError
from agent_desktop.server.who_saw import as_text
from ui.ops import GuiOps

TRAIL_REFRESH_MS = 2000
TEAM_LEAD_NOTE = ("Opens the team lead's own window (a second process, its own profile) with the "
                  "live roster; listening in comes with the monitoring feature.")


class DemoControls(Protocol):
    """What the banner drives: :class:`agent_desktop.demo.runner.Demo` (a fake in tests)."""

    password: str
    agent_id: str

    def call_now(self) -> bool: ...
    def lock_now(self) -> None: ...
    def audit_trail(self, limit: int = 20) -> dict[str, Any]: ...
    def who_saw(self) -> dict[str, Any]: ...
    def open_team_lead(self) -> Any: ...


class DemoBanner(QFrame):
    trail_shown = Signal(int)        # events on the server, after each refresh
    who_saw_shown = Signal(str)      # the report's text, once the dialog shows it

    def __init__(self, demo: DemoControls, ops: GuiOps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.demo = demo
        self.ops = ops
        self.setObjectName("demoBanner")
        self.setAccessibleName(self.tr("Demo banner"))
        self.setStyleSheet("#demoBanner { background: #fff4ce; border-bottom: 2px solid #8a6d00; }"
                           "#demoBanner QLabel { color: #3b2f00; }")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        self.notice = QLabel(self.tr(
            "<b>DEMO</b> — synthetic patients only; nothing here is real. "
            "Agent <b>%1</b>, vault password <b>%2</b>.").replace("%1", demo.agent_id)
            .replace("%2", demo.password))
        self.notice.setAccessibleName(self.tr("Demo notice"))
        outer.addWidget(self.notice)
        self.caller = QLabel("")
        self.caller.setAccessibleName(self.tr("Who the simulated caller plays"))
        self.caller.setWordWrap(True)
        outer.addWidget(self.caller)
        self.trail = QLabel(self.tr("Audit trail on the server: waiting for the first events..."))
        self.trail.setAccessibleName(self.tr("Audit trail on the server"))
        self.trail.setWordWrap(True)
        outer.addWidget(self.trail)
        row = QHBoxLayout()
        self.lock_button = self._button(self.tr("&Lock now"), self._lock)
        self.call_button = self._button(self.tr("&Call me now"), self._call)
        self.who_button = self._button(self.tr("&Who saw this patient?"), self._who_saw)
        self.lead_button = self._button(self.tr("Open &team lead"), self._team_lead)
        self.lead_button.setToolTip(self.tr(TEAM_LEAD_NOTE))
        self.lead_button.setAccessibleDescription(self.tr(TEAM_LEAD_NOTE))
        for b in (self.lock_button, self.call_button, self.who_button, self.lead_button):
            row.addWidget(b)
        row.addStretch(1)
        self.message = QLabel("")
        self.message.setAccessibleName(self.tr("What the demo is doing"))
        self.message.setWordWrap(True)
        self.message.setStyleSheet("font-weight: bold;")
        outer.addWidget(self.message)
        outer.addLayout(row)
        self.events_on_server = 0
        self.newest_actions: list[str] = []
        self.timer = QTimer(self)
        self.timer.setInterval(TRAIL_REFRESH_MS)
        self.timer.timeout.connect(self.refresh_trail)
        self.timer.start()
        self._refreshing = False
        QTimer.singleShot(0, self.refresh_trail)
        self.dialog: QDialog | None = None

    def _button(self, text: str, slot: Any) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text.replace("&", ""))
        button.clicked.connect(slot)
        return button

    # --- controls ------------------------------------------------------------------------------------
    def _lock(self) -> None:
        self.demo.lock_now()
        self.message.setText(self.tr("Locked: sign in again with the demo password."))

    def _call(self) -> None:
        if self.demo.call_now():
            self.message.setText(self.tr("The simulated caller is dialling you..."))
        else:
            self.message.setText(self.tr("The caller is already on a call with you."))

    def _team_lead(self) -> None:
        self.lead_button.setEnabled(False)  # one team lead per demo
        self.message.setText(self.tr("The team lead's window is starting (its own sign-in)..."))
        self.ops.run(self.demo.open_team_lead, on_error=self._lead_failed)

    def _lead_failed(self, err: AgentDesktopError) -> None:
        self.lead_button.setEnabled(True)
        self.message.setText(str(err))

    def _who_saw(self) -> None:
        self.who_button.setEnabled(False)
        self.ops.run(self.demo.who_saw, on_done=self._show_who_saw, on_error=self._error)

    def _show_who_saw(self, report: dict[str, Any]) -> None:
        self.who_button.setEnabled(True)
        text = as_text(report)
        dialog = QDialog(self.window())
        dialog.setWindowTitle(self.tr("Who saw this patient? (the auditor's view)"))
        dialog.setAccessibleName(self.tr("Who saw this patient"))
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel(self.tr("The audit server's answer for the demo patient:")))
        view = QPlainTextEdit(text, dialog)
        view.setReadOnly(True)
        view.setAccessibleName(self.tr("Audit report"))
        view.setMinimumSize(760, 260)
        layout.addWidget(view)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        self.dialog = dialog
        dialog.show()
        self.who_saw_shown.emit(text)

    def _error(self, err: AgentDesktopError) -> None:
        self.who_button.setEnabled(True)
        self.message.setText(str(err))

    # --- the growing trail ---------------------------------------------------------------------------
    def refresh_trail(self) -> None:
        if self._refreshing:
            return
        self._refreshing = True
        self.ops.run(self.demo.audit_trail, 8, on_done=self._show_trail, on_error=self._trail_error)

    def _show_trail(self, page: dict[str, Any]) -> None:
        self._refreshing = False
        events = page.get("events", [])
        self.newest_actions = [str(e.get("action")) for e in events]
        total = page.get("total", len(events))
        self.events_on_server = int(total) if isinstance(total, int) else len(events)
        newest = ", ".join(e["action"] for e in events[:6])
        chain = self.tr("hash chain intact") if page.get("chain") == "intact" else \
            self.tr("hash chain %1").replace("%1", str(page.get("chain", "not checked yet")))
        self.trail.setText(self.tr("Audit trail on the server: %1 event(s), %2; newest: %3")
                           .replace("%1", str(self.events_on_server)).replace("%2", chain)
                           .replace("%3", newest or "-"))
        self.trail_shown.emit(self.events_on_server)

    def _trail_error(self, err: AgentDesktopError) -> None:
        self._refreshing = False
        self.trail.setText(self.tr("Audit trail: the server did not answer (%1)").replace("%1", err.message))
