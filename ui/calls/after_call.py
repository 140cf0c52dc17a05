"""After the call: PHI already cleared; the disposition code, notes, and the after-call
work countdown with Extend and Go available."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.calls.format import duration, tr_disposition


class AfterCallPanel(QGroupBox):
    save = Signal(str, str)  # disposition, notes
    extend = Signal()
    available = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("After-call work"), parent)
        self.setObjectName("afterCallPanel")
        self.call_id: str | None = None
        layout = QVBoxLayout(self)
        self.countdown = QLabel("")
        self.countdown.setObjectName("acwCountdown")
        self.countdown.setAccessibleName(self.tr("After-call work time left"))
        layout.addWidget(self.countdown)
        form = QFormLayout()
        self.disposition = QComboBox()
        self.disposition.setAccessibleName(self.tr("Disposition"))
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("acwNotes")
        self.notes.setAccessibleName(self.tr("After-call notes"))
        self.notes.setPlaceholderText(self.tr("Notes stay on this workstation, encrypted, and are "
                                              "deleted with the patient data cache."))
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(180)
        self.setMaximumWidth(760)
        form.addRow(self.tr("Disposition"), self.disposition)
        form.addRow(self.tr("Notes"), self.notes)
        layout.addLayout(form)
        self.saved = QLabel("")
        self.saved.setObjectName("acwSaved")
        layout.addWidget(self.saved)
        row = QHBoxLayout()
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setAccessibleName(self.tr("Save the disposition"))
        self.extend_button = QPushButton(self.tr("More time"))
        self.extend_button.setAccessibleName(self.tr("Extend after-call work"))
        self.available_button = QPushButton(self.tr("Go available"))
        self.available_button.setObjectName("goAvailable")
        self.available_button.setAccessibleName(self.tr("Go available for the next call"))
        self.save_button.clicked.connect(
            lambda: self.save.emit(str(self.disposition.currentData() or ""), self.notes.toPlainText()))
        self.extend_button.clicked.connect(self.extend.emit)
        self.available_button.clicked.connect(self.available.emit)
        for b in (self.save_button, self.extend_button, self.available_button):
            row.addWidget(b)
        layout.addLayout(row)
        layout.addStretch(1)

    def set_dispositions(self, codes: list[str]) -> None:
        self.disposition.clear()
        for code in codes:
            self.disposition.addItem(tr_disposition(code), code)

    def start(self, call_id: str) -> None:
        self.call_id = call_id
        self.notes.clear()
        self.saved.setText("")
        self.save_button.setEnabled(True)
        self.disposition.setFocus()

    def tick(self, seconds_left: int) -> None:
        self.countdown.setText(self.tr("{time} left before you are available again").format(
            time=duration(seconds_left)) if seconds_left > 0 else "")

    def was_saved(self) -> None:
        self.saved.setText(self.tr("✔ Saved"))
        self.save_button.setEnabled(False)

    def clear_phi(self) -> None:
        self.notes.clear()
