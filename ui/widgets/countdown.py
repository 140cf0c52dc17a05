"""A label counting down whole seconds to a deadline (the unlock throttle, after-call work)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget


class Countdown(QLabel):
    """``start(seconds)``; emits ``finished`` at zero. ``template`` gets ``{time}``."""

    finished = Signal()

    def __init__(self, template: str, parent: QWidget | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.setObjectName("countdown")
        self.template = template
        self.clock = clock
        self._deadline = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._tick)
        self.hide()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def seconds_left(self) -> int:
        return max(0, math.ceil(self._deadline - self.clock()))

    def start(self, seconds: float) -> None:
        self._deadline = self.clock() + seconds
        self._timer.start()
        self.show()
        self._tick()

    def stop(self) -> None:
        self._timer.stop()
        self.clear()
        self.hide()

    def _tick(self) -> None:
        left = self.seconds_left()
        if left <= 0:
            self.stop()
            self.finished.emit()
            return
        self.setText(self.template.format(time=format_seconds(left)))


def format_seconds(seconds: int) -> str:
    minutes, secs = divmod(max(0, seconds), 60)
    return f"{minutes}:{secs:02d}"
