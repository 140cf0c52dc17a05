"""First run, step 1: enrol this workstation with IT's one-time token."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from agent_desktop.errors import AgentDesktopError
from ui.widgets.fields import add_field, add_primary_button, add_step_header
from ui.widgets.message_panel import MessagePanel


class EnrolStep(QWidget):
    enrol_requested = Signal(str)

    def __init__(self, server_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = add_step_header(self, self.tr("STEP 1 OF 2"),
                                 self.tr("Enrol this workstation"),
                                 self.tr("Your IT team gave you a one-time enrolment token. "
                                         "It connects this workstation to your "
                                         "organisation's audit server."))
        self.server = add_field(self, layout, self.tr("Audit server (set by your organisation)"),
                                "auditServer")
        self.server.setText(server_url or self.tr("not configured"))
        self.server.setReadOnly(True)
        self.server.setEnabled(False)
        self.token = add_field(self, layout, self.tr("Enrolment token"), "enrolToken", secret=True,
                               placeholder=self.tr("Paste the token from IT"))
        self.button = add_primary_button(self, layout, self.tr("Enrol"), self.tr("Enrol this workstation"))
        self.button.clicked.connect(self._submit)
        self.message = MessagePanel(self)
        layout.addWidget(self.message)
        self.token.returnPressed.connect(self._submit)
        self.token.textChanged.connect(lambda _t: self._refresh())
        if not server_url:
            self.message.show_message(self.tr("No audit server is configured."),
                                      self.tr("Ask IT to set audit.server_url in the policy."))
        self._busy = False
        self._refresh()

    def _refresh(self) -> None:
        self.button.setEnabled(not self._busy and bool(self.token.text().strip()))

    def _submit(self) -> None:
        if self.button.isEnabled():
            self.message.clear()
            self.enrol_requested.emit(self.token.text())

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.token.setEnabled(not busy)
        self.button.setText(self.tr("Enrolling…") if busy else self.tr("Enrol"))
        self._refresh()

    def show_error(self, err: AgentDesktopError) -> None:
        self.message.show_error(err)

    def done(self) -> None:
        self.token.setText("")
        self.set_busy(False)
