"""The ringing call: a prominent banner with the number masked, Answer and Reject.

The ringtone itself plays on the ring device from the phone engine; this panel is what the
agent sees and what a desktop notification says (never a full number or a name).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.calls.format import masked_number
from ui.calls.phone_panel import SHORTCUTS


class RingPanel(QFrame):
    answer = Signal()
    reject = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ringPanel")
        self.setAccessibleName(self.tr("Incoming call"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        text = QVBoxLayout()
        self.title = QLabel(self.tr("☎ Incoming call"))
        self.title.setObjectName("ringTitle")
        self.caller = QLabel("")
        self.caller.setObjectName("ringCaller")
        self.caller.setAccessibleName(self.tr("Caller (masked)"))
        text.addWidget(self.title)
        text.addWidget(self.caller)
        layout.addLayout(text, 1)
        keys = QKeySequence(SHORTCUTS["answer"]).toString(QKeySequence.SequenceFormat.NativeText)
        self.answer_button = QPushButton(self.tr("Answer ({keys})").format(keys=keys))
        self.answer_button.setObjectName("ringAnswer")
        self.answer_button.setAccessibleName(self.tr("Answer the incoming call"))
        self.reject_button = QPushButton(self.tr("Reject"))
        self.reject_button.setObjectName("ringReject")
        self.reject_button.setAccessibleName(self.tr("Reject the incoming call"))
        self.answer_button.clicked.connect(self.answer.emit)
        self.reject_button.clicked.connect(self.reject.emit)
        layout.addWidget(self.answer_button)
        layout.addWidget(self.reject_button)
        self.hide()

    def ring(self, remote: str) -> str:
        """Show the banner; returns the notification text (masked)."""
        masked = masked_number(remote)
        self.caller.setText(masked)
        self.show()
        return self.tr("Incoming call from {number}").format(number=masked)

    def stop(self) -> None:
        self.caller.setText("")
        self.hide()
