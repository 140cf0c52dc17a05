"""Open requests for help, oldest first: time, waiting, agent, kind and an Acknowledge button.

The list is rebuilt only when the set of open escalations changes, so a refresh never moves
the keyboard focus off a button; the "waiting" column ticks locally every second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
)

from agent_desktop.presence.roster import Escalation, Roster

from .labels import clock_time, duration, kind_label

HEADERS = (QT_TRANSLATE_NOOP("EscalationList", "Asked at"), QT_TRANSLATE_NOOP("EscalationList", "Waiting"),
           QT_TRANSLATE_NOOP("EscalationList", "Agent"), QT_TRANSLATE_NOOP("EscalationList", "Kind"),
           QT_TRANSLATE_NOOP("EscalationList", "Action"))


class EscalationList(QTableWidget):
    def __init__(self, on_acknowledge: Callable[[Escalation], None], parent: Any = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setObjectName("escalations")
        self.setAccessibleName(self.tr("Requests for help"))
        self.setAccessibleDescription(self.tr("Open requests for help from your team, oldest first."))
        self._headers()
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)  # the kind takes the room
        self._on_acknowledge = on_acknowledge
        self._shown: list[Escalation] = []
        self._roster: Roster | None = None
        self._pending: set[str] = set()

    def _headers(self) -> None:
        self.setHorizontalHeaderLabels([self.tr(str(h)) for h in HEADERS])

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:  # headers and kinds are no widget texts
            self._headers()
            self._retext()
        super().changeEvent(event)

    def set_roster(self, roster: Roster) -> None:
        self._roster = roster
        open_now = sorted((e for r in roster.rows for e in r.escalations), key=lambda e: (e.raised_at, e.id))
        if [e.id for e in open_now] != [e.id for e in self._shown]:
            self._pending &= {e.id for e in open_now}
            self._rebuild(open_now)
        self.tick()

    def _rebuild(self, escalations: list[Escalation]) -> None:
        self._shown = escalations
        self.setRowCount(len(escalations))
        for i, esc in enumerate(escalations):
            for column, text in ((0, clock_time(esc.raised_at)), (2, esc.agent_id), (3, kind_label(esc.kind))):
                self.setItem(i, column, QTableWidgetItem(text))
            self.setItem(i, 1, QTableWidgetItem(""))
            pending = esc.id in self._pending
            button = QPushButton(self.tr("Acknowledging…") if pending else self.tr("Acknowledge"), self)
            button.setObjectName(f"ack:{esc.id}")
            button.setAccessibleName(self.tr("Acknowledge {kind} from {agent}").format(
                kind=kind_label(esc.kind), agent=esc.agent_id))
            button.setAccessibleDescription(self.tr("Tell the agent you are on it; the server records who and when."))
            button.setToolTip(self.tr("Tell the agent you are on it; the server records who and when."))
            button.setEnabled(not pending)
            button.clicked.connect(lambda _=False, e=esc: self._acknowledge(e))
            self.setCellWidget(i, 4, button)

    def _retext(self) -> None:
        """The shown rows' words again, in place (the keyboard focus stays where it is)."""
        for i, esc in enumerate(self._shown):
            for column, text in ((0, clock_time(esc.raised_at)), (3, kind_label(esc.kind))):
                item = self.item(i, column)
                if item is not None:
                    item.setText(text)
            button = self.cellWidget(i, 4)
            if isinstance(button, QPushButton):
                button.setText(self.tr("Acknowledging…") if esc.id in self._pending else self.tr("Acknowledge"))
                button.setAccessibleName(self.tr("Acknowledge {kind} from {agent}").format(
                    kind=kind_label(esc.kind), agent=esc.agent_id))
        self.tick()

    def _acknowledge(self, esc: Escalation) -> None:
        self._pending.add(esc.id)
        self.set_pending(esc.id, True)
        self._on_acknowledge(esc)

    def set_pending(self, escalation_id: str, pending: bool) -> None:
        """While an acknowledgement is on its way its button is disabled (no double clicks)."""
        if not pending:
            self._pending.discard(escalation_id)
        for i, esc in enumerate(self._shown):
            button = self.cellWidget(i, 4)
            if esc.id == escalation_id and isinstance(button, QPushButton):
                button.setEnabled(not pending)
                button.setText(self.tr("Acknowledging…") if pending else self.tr("Acknowledge"))

    def tick(self) -> None:
        if self._roster is None:
            return
        for i, esc in enumerate(self._shown):
            item = self.item(i, 1)
            if item is not None:
                item.setText(duration(self._roster.elapsed(esc.raised_at)))

    def shown(self) -> list[Escalation]:
        return list(self._shown)
