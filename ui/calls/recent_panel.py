"""Today's calls: time, direction, duration and disposition, the number masked until the
agent asks to see it (recorded); call back from the list."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.app.recent import RecentCall
from ui.calls.format import duration


class RecentPanel(QGroupBox):
    show_number = Signal(str)  # call id
    call_back = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Recent calls"), parent)
        self.setObjectName("recentPanel")
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setObjectName("recentCalls")
        self.list.setAccessibleName(self.tr("Recent calls (numbers masked)"))
        self.list.setMaximumHeight(130)
        self.list.itemActivated.connect(lambda _item: self._emit(self.call_back))
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.show_button = QPushButton(self.tr("Show number"))
        self.show_button.setAccessibleName(self.tr("Show the full number (recorded)"))
        self.back_button = QPushButton(self.tr("Call back"))
        self.back_button.setAccessibleName(self.tr("Call this number back"))
        self.show_button.clicked.connect(lambda: self._emit(self.show_number))
        self.back_button.clicked.connect(lambda: self._emit(self.call_back))
        row.addWidget(self.show_button)
        row.addWidget(self.back_button)
        layout.addLayout(row)
        self.revealed: dict[str, str] = {}
        self._calls: list[RecentCall] = []

    def set_calls(self, calls: list[RecentCall]) -> None:
        self._calls = calls
        self.list.clear()
        for c in calls:
            when = time.strftime("%H:%M", time.localtime(c.started))
            arrow = "↙" if c.direction == "incoming" else "↗"
            number = self.revealed.get(c.call_id, c.masked)
            extra = f" · {c.disposition.replace('_', ' ')}" if c.disposition else ""
            item = QListWidgetItem(f"{when} {arrow} {number} · {duration(c.seconds)}{extra}")
            item.setData(Qt.ItemDataRole.UserRole, c.call_id)
            self.list.addItem(item)
        enabled = bool(calls)
        self.show_button.setEnabled(enabled)
        self.back_button.setEnabled(enabled)

    def number_shown(self, call_id: str, number: str) -> None:
        self.revealed[call_id] = number
        self.set_calls(self._calls)

    def clear_phi(self) -> None:
        self.revealed.clear()
        self.list.clear()

    def _emit(self, signal: SignalInstance) -> None:
        item = self.list.currentItem()
        if item is not None:
            signal.emit(str(item.data(Qt.ItemDataRole.UserRole)))
