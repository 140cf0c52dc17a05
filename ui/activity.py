"""The application-wide input filter that feeds the workstation's idle tracker."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject

INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
         QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TabletPress}


class ActivityFilter(QObject):
    """Install on the QApplication; calls ``on_activity()`` at most every ``interval`` s
    (the tracker needs minutes of resolution; every mouse move would be noise)."""

    def __init__(self, on_activity: Callable[[], None], interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.on_activity = on_activity
        self.interval = interval
        self.clock = clock
        self._last = float("-inf")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT:
            now = self.clock()
            if now - self._last >= self.interval:
                self._last = now
                self.on_activity()
        return False
