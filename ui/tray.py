"""The tray icon: state at a glance and quick actions. Where the desktop has no tray (Xvfb,
some Wayland sessions) :func:`make_tray` returns None and closing the window quits."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from agent_desktop.presence.states import Presence
from ui.look import icon


class Tray(QObject):
    show_requested = Signal()
    lock_requested = Signal()
    quit_requested = Signal()
    state_requested = Signal(object, str)

    def __init__(self, first_reason: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.icon = QSystemTrayIcon(icon("app"), self)
        self.menu = QMenu()
        self.status = QAction(self.tr("Not signed in"), self.menu)
        self.status.setEnabled(False)
        self.menu.addAction(self.status)
        self.menu.addSeparator()
        actions = [(self.tr("Show Agent Desktop"), self.show_requested.emit),
                   (self.tr("Available"), lambda: self.state_requested.emit(Presence.AVAILABLE, "")),
                   (self.tr("Not ready"), lambda: self.state_requested.emit(Presence.NOT_READY,
                                                                            first_reason)),
                   (self.tr("Lock"), self.lock_requested.emit),
                   (self.tr("Quit"), self.quit_requested.emit)]
        for text, slot in actions:
            action = QAction(text, self.menu)
            action.triggered.connect(slot)
            self.menu.addAction(action)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.icon.setToolTip(self.tr("Agent Desktop"))
        self.icon.show()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.show_requested.emit()

    def show_status(self, text: str) -> None:
        self.status.setText(text)
        self.icon.setToolTip(self.tr("Agent Desktop — %1").replace("%1", text))

    def close(self) -> None:
        self.icon.hide()
        self.menu.deleteLater()


def make_tray(first_reason: str, parent: QObject | None = None) -> Tray | None:
    if not QSystemTrayIcon.isSystemTrayAvailable():
        return None
    return Tray(first_reason, parent)
