"""Password + Unlock, with the throttle countdown and the error (message and what to do).

Used by the sign-in view and the lock screen. Emits ``submitted(password)``; the field is
emptied at once so the password does not stay in a widget.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from agent_desktop.errors import AgentDesktopError
from ui.widgets.countdown import Countdown
from ui.widgets.fields import add_field
from ui.widgets.message_panel import MessagePanel


class UnlockForm(QWidget):
    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.password = add_field(self, layout, self.tr("Vault password"), "unlockPassword",
                                  secret=True, placeholder=self.tr("Your vault password"))
        row = QHBoxLayout()
        self.countdown = Countdown(self.tr("Next attempt possible in {time}"), self)
        self.countdown.setAccessibleName(self.tr("Time until the next attempt"))
        self.countdown.finished.connect(self._refresh)
        row.addWidget(self.countdown, 1)
        row.addStretch(0)
        self.button = QPushButton(self.tr("Unlock"), self)
        self.button.setObjectName("primary")
        self.button.setAccessibleName(self.tr("Unlock"))
        self.button.setDefault(True)
        self.button.clicked.connect(self._submit)
        row.addWidget(self.button)
        layout.addLayout(row)
        self.message = MessagePanel(self)
        layout.addWidget(self.message)
        self.password.returnPressed.connect(self._submit)
        self.password.textChanged.connect(self._refresh)
        self._busy = False
        self._refresh()

    def _submit(self) -> None:
        if not self.button.isEnabled():
            return
        text = self.password.text()
        self.password.setText("")
        self.message.clear()
        self.submitted.emit(text)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.button.setText(self.tr("Unlocking…") if busy else self.tr("Unlock"))
        self.password.setEnabled(not busy)
        self._refresh()

    def _refresh(self) -> None:
        self.button.setEnabled(not self._busy and not self.countdown.running
                               and bool(self.password.text()))

    def throttle(self, seconds: float) -> None:
        """Refuse attempts for ``seconds`` (the vault would refuse them anyway)."""
        if seconds > 0:
            self.countdown.start(seconds)
        self._refresh()

    def show_error(self, err: AgentDesktopError) -> None:
        self.message.show_error(err)
        for attr in ("retry_after", "retry_after_seconds"):
            seconds = getattr(err, attr, 0.0)
            if isinstance(seconds, int | float) and seconds > 0:
                self.throttle(float(seconds))
        self.password.setFocus()

    def reset(self) -> None:
        self.password.setText("")
        self.message.clear()
        self.set_busy(False)
