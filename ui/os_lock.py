"""OS screen lock and suspend, where the platform tells (Linux: D-Bus).

Session bus: ``org.freedesktop.ScreenSaver`` and ``org.gnome.ScreenSaver`` ``ActiveChanged(true)``.
System bus: logind's ``org.freedesktop.login1.Session.Lock`` and
``org.freedesktop.login1.Manager.PrepareForSleep(true)``. ``DBUS_SYSTEM_BUS_ADDRESS`` is
honoured (tests point it at a private bus). Windows (WTSRegisterSessionNotification,
WM_WTSSESSION_CHANGE / WM_POWERBROADCAST) and macOS (com.apple.screenIsLocked,
NSWorkspaceWillSleepNotification) are documented in docs/shell.md.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import SLOT, QObject, Signal, Slot
from PySide6.QtDBus import QDBusConnection, QDBusMessage

log = logging.getLogger(__name__)

SESSION_SIGNALS = (("org.freedesktop.ScreenSaver", "ActiveChanged"),
                   ("org.gnome.ScreenSaver", "ActiveChanged"))
SYSTEM_SIGNALS = (("org.freedesktop.login1.Session", "Lock"),
                  ("org.freedesktop.login1.Manager", "PrepareForSleep"))


class OsLockListener(QObject):
    """Emits ``locked(reason)``: "screen_lock" or "suspend"."""

    locked = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.listening: list[str] = []
        self._connect(QDBusConnection.sessionBus(), "session", SESSION_SIGNALS)
        system_address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
        system = (QDBusConnection.connectToBus(system_address, "agent-desktop-system")
                  if system_address else QDBusConnection.systemBus())
        self._system = system
        self._connect(system, "system", SYSTEM_SIGNALS)

    def _connect(self, bus: QDBusConnection, which: str, signals: tuple[tuple[str, str], ...]) -> None:
        if not bus.isConnected():
            log.info("no D-Bus %s bus: OS %s events are not seen", which,
                     "lock" if which == "session" else "suspend")
            return
        for interface, member in signals:
            if bus.connect("", "", interface, member, self, SLOT("_on_signal(QDBusMessage)")):  # type: ignore[call-overload]
                self.listening.append(f"{which}:{interface}.{member}")

    @Slot(QDBusMessage)
    def _on_signal(self, message: QDBusMessage) -> None:
        args = message.arguments()
        member, interface = message.member(), message.interface()
        if member == "ActiveChanged" and args and bool(args[0]):
            self.locked.emit("screen_lock")
        elif member == "Lock" and interface == "org.freedesktop.login1.Session":
            self.locked.emit("screen_lock")
        elif member == "PrepareForSleep" and args and bool(args[0]):
            self.locked.emit("suspend")

    def close(self) -> None:
        if os.environ.get("DBUS_SYSTEM_BUS_ADDRESS"):
            QDBusConnection.disconnectFromBus("agent-desktop-system")
