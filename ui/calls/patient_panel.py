"""Who is calling: the screen pop's candidates (masked until verification) and a search by
name and date of birth, with clear "no match" and "directory unavailable" states."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.app.calls import CallView


class PatientPanel(QGroupBox):
    chosen = Signal(str)  # patient reference
    search = Signal(str, str, str)  # family, given, birth date

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Caller's record"), parent)
        self.setObjectName("patientPanel")
        layout = QVBoxLayout(self)
        self.state = QLabel("")
        self.state.setObjectName("lookupState")
        self.state.setWordWrap(True)
        self.state.setAccessibleName(self.tr("Record lookup"))
        layout.addWidget(self.state)
        self.candidates = QListWidget()
        self.candidates.setObjectName("candidates")
        self.candidates.setAccessibleName(self.tr("Matching records (masked until verified)"))
        self.candidates.itemActivated.connect(self._activated)
        self.candidates.setMaximumHeight(96)
        layout.addWidget(self.candidates)
        self.pick = QPushButton(self.tr("Use this record"))
        self.pick.setAccessibleName(self.tr("Use the selected record"))
        self.pick.clicked.connect(lambda: self._activated(self.candidates.currentItem()))
        layout.addWidget(self.pick)

        form = QFormLayout()
        self.family = QLineEdit()
        self.family.setAccessibleName(self.tr("Family name"))
        self.given = QLineEdit()
        self.given.setAccessibleName(self.tr("Given name"))
        self.birth = QLineEdit()
        self.birth.setPlaceholderText(self.tr("YYYY-MM-DD"))
        self.birth.setAccessibleName(self.tr("Date of birth"))
        form.addRow(self.tr("Family name"), self.family)
        form.addRow(self.tr("Given name"), self.given)
        form.addRow(self.tr("Date of birth"), self.birth)
        row = QHBoxLayout()
        self.search_button = QPushButton(self.tr("Search"))
        self.search_button.setAccessibleName(self.tr("Search the directory"))
        self.search_button.clicked.connect(self._search)
        self.birth.returnPressed.connect(self._search)
        row.addStretch(1)
        row.addWidget(self.search_button)
        layout.addLayout(form)
        layout.addLayout(row)

    def show_view(self, view: CallView | None) -> None:
        self.candidates.clear()
        if view is None:
            self.state.setText("")
            return
        words = {
            "pending": self.tr("Looking up the caller's number…"),
            "no_match": self.tr("No record matches the caller's number. Search by name and date of birth."),
            "unavailable": self.tr("The directory is unavailable. Search by name and date of birth "
                                   "(records seen recently are kept on this workstation)."),
            "no_number": self.tr("The caller's number was withheld. Search by name and date of birth."),
        }
        if view.lookup == "found":
            text = self.tr("{n} record(s) match. Ask the caller's name, then pick one.").format(
                n=len(view.candidates))
            if view.cached:
                text += " " + self.tr("(from this workstation's cache: the directory is offline)")
        else:
            text = words.get(view.lookup, "")
        if view.patient:
            text = self.tr("Record chosen. Verify the caller before anything is discussed.")
        self.state.setText(text)
        for c in view.candidates:
            item = QListWidgetItem(self.tr("{initials} · born {year}").format(initials=c.initials,
                                                                              year=c.birth_year))
            item.setData(Qt.ItemDataRole.UserRole, c.patient)
            self.candidates.addItem(item)
        if self.candidates.count():
            self.candidates.setCurrentRow(0)
        self.pick.setEnabled(bool(self.candidates.count()) and not view.patient)

    def clear_phi(self) -> None:
        for w in (self.family, self.given, self.birth):
            w.clear()
        self.candidates.clear()
        self.state.setText("")

    def _activated(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.chosen.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def _search(self) -> None:
        self.search.emit(self.family.text().strip(), self.given.text().strip(), self.birth.text().strip())
