"""The patient's data, one box per field group.

A group the verification allows shows a "Show" button; its data is painted only after the
call desk has recorded the reveal (the desk returns the data only then). Every other group
stays masked with the reason: not verified yet, not in the consent on file, not needed for
the agent's role. :meth:`clear_phi` empties every text (lock, call end): gone, not hidden.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.app.calls import FIELD_GROUPS
from agent_desktop.directory.groups import GroupData
from ui.calls.format import tr_group, tr_reason
from ui.calls.phi_format import row_text


def render(data: GroupData) -> str:
    """Display text of a group's data: one labelled line per row in the interface language
    (``phi_format``), marked when it is the vault's copy because the directory is offline."""
    text = "\n".join(row_text(row) for row in data.rows) or QCoreApplication.translate("PhiView", "Nothing on file.")
    if data.cached:
        text = QCoreApplication.translate("PhiView", "Saved copy (the directory is offline):") + "\n" + text
    return text


class GroupBox(QGroupBox):
    def __init__(self, group: str, parent: QWidget | None = None) -> None:
        super().__init__(tr_group(group), parent)
        self.group = group
        self._data: GroupData | None = None  # what is shown, to write it again in a new language
        self.setObjectName(f"group_{group}")
        layout = QVBoxLayout(self)
        self.reason = QLabel("")
        self.reason.setObjectName("groupReason")
        self.reason.setWordWrap(True)
        self.content = QLabel("")
        self.content.setObjectName("phiContent")
        self.content.setWordWrap(True)
        self.content.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.content.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.content.setAccessibleName(self.tr("{group} data").format(group=tr_group(group)))
        self.show_button = QPushButton(self.tr("Show {group}").format(group=tr_group(group)))
        self.show_button.setObjectName(f"reveal_{group}")
        self.show_button.setAccessibleName(self.tr("Show {group}").format(group=tr_group(group)))
        for w in (self.reason, self.content, self.show_button):
            layout.addWidget(w)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and self._data is not None:
            self.content.setText(render(self._data))  # labels, words and dates in the new language
        super().changeEvent(event)

    def masked(self, reason: str) -> None:
        self._data = None  # gone with the text
        self.content.setText("")
        self.content.hide()
        self.reason.setText(self.tr("Masked: {reason}").format(reason=tr_reason(reason)))
        self.reason.show()
        self.show_button.hide()

    def allowed(self) -> None:
        if self.content.text():
            return
        self.reason.setText(self.tr("Allowed for this caller. Opening it is recorded."))
        self.reason.show()
        self.show_button.show()
        self.show_button.setEnabled(True)

    def shown(self, data: GroupData) -> None:
        self._data = data
        self.content.setText(render(data))
        self.content.show()
        self.reason.hide()
        self.show_button.hide()


class PhiView(QScrollArea):
    reveal = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("phiView")
        self.setAccessibleName(self.tr("Patient data"))
        self.setWidgetResizable(True)
        inner = QWidget()
        grid = QGridLayout(inner)
        grid.setSpacing(10)
        self.boxes: dict[str, GroupBox] = {}
        for n, group in enumerate(FIELD_GROUPS):
            box = GroupBox(group)
            box.show_button.clicked.connect(lambda _=False, g=group: self._ask(g))
            grid.addWidget(box, n // 2, n % 2)
            self.boxes[group] = box
        grid.setRowStretch(len(FIELD_GROUPS) // 2, 1)
        self.setWidget(inner)
        self.clear_phi()

    def _ask(self, group: str) -> None:
        self.boxes[group].show_button.setEnabled(False)
        self.reveal.emit(group)

    def show_reasons(self, reasons: dict[str, str]) -> None:
        for group, reason in reasons.items():
            box = self.boxes[group]
            box.allowed() if reason == "allowed" else box.masked(reason)

    def show_group(self, group: str, data: GroupData) -> None:
        self.boxes[group].shown(data)

    def failed(self, group: str) -> None:
        self.boxes[group].show_button.setEnabled(True)

    def clear_phi(self) -> None:
        for box in self.boxes.values():
            box.masked("not_verified")

    def texts(self) -> list[str]:
        return [b.content.text() for b in self.boxes.values()]
