"""The lock screen: why the workstation locked, who is signed in, and the unlock form.

Shown inside the main window (the status bar stays); a call in progress keeps its audio,
and the shell places the PHI-free call strip (``ui/calls/lock_strip.py``: masked number,
duration, encryption, Answer / Reject / Hold / Mute / Hang up) in :attr:`call_area`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui.look import icon_label
from ui.widgets.unlock_form import UnlockForm

CARD_WIDTH = 420


class LockScreen(QWidget):
    unlock_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAccessibleName(self.tr("Lock screen"))
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        card = QFrame(self)
        card.setObjectName("card")
        card.setFixedWidth(CARD_WIDTH)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(28, 28, 28, 24)
        layout.setSpacing(10)
        layout.addWidget(icon_label("lock-large", 48, card), 0, Qt.AlignmentFlag.AlignHCenter)
        title = QLabel(self.tr("Workstation locked"), card)
        title.setObjectName("pageTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        self.reason = QLabel(card)
        self.reason.setObjectName("muted")
        self.reason.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reason.setWordWrap(True)
        self.reason.setAccessibleName(self.tr("Why the workstation locked"))
        layout.addWidget(self.reason)
        self.who = QLabel(card)
        self.who.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.who.setObjectName("sectionTitle")
        layout.addWidget(self.who)
        layout.addSpacing(6)
        self.form = UnlockForm(card)
        self.form.submitted.connect(self.unlock_requested)
        layout.addWidget(self.form)
        self.call_area = QWidget(card)
        self.call_area.setObjectName("lockCallArea")
        self._call_layout = QVBoxLayout(self.call_area)
        self._call_layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.call_area)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def embed_call_strip(self, strip: QWidget) -> None:
        """Put the PHI-free call strip (ui/calls/lock_strip.py) in :attr:`call_area`,
        replacing the one a previous profile's shell put there."""
        layout = self._call_layout
        while layout.count():
            item = layout.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.deleteLater()
        layout.addWidget(strip)

    def set_locked(self, message: str, profile: str) -> None:
        self.reason.setText(message or self.tr("Locked."))
        self.who.setText(self.tr("Signed in as %1").replace("%1", profile))
        self.form.reset()
        self.form.password.setFocus()
