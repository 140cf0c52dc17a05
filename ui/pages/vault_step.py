"""First run, step 2: the vault password (policy rules shown as you type) and the SIP account."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QWidget

from agent_desktop.errors import AgentDesktopError
from ui.widgets.fields import add_field, add_primary_button, add_step_header
from ui.widgets.message_panel import MessagePanel
from ui.widgets.password_rules import PasswordRules


class VaultStep(QWidget):
    create_requested = Signal(str, str, str)  # vault password, SIP user, SIP password

    def __init__(self, min_length: int, profile: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = add_step_header(self, self.tr("STEP 2 OF 2"),
                                 self.tr("Protect your data"),
                                 self.tr("Choose the password that unlocks this "
                                         "workstation's encrypted vault. It cannot be "
                                         "recovered: if you forget it, IT must wipe the vault "
                                         "and enrol the workstation again."))
        self.password = add_field(self, layout, self.tr("Vault password"), "vaultPassword",
                                  secret=True)
        self.confirm = add_field(self, layout, self.tr("Repeat the vault password"), "vaultConfirm",
                                 secret=True)
        self.rules = PasswordRules(min_length, profile, self)
        layout.addWidget(self.rules)
        phone = QLabel(self.tr("Phone account"), self)
        phone.setObjectName("sectionTitle")
        layout.addSpacing(6)
        layout.addWidget(phone)
        self.sip_user = add_field(self, layout, self.tr("SIP user name"), "sipUser")
        self.sip_password = add_field(self, layout, self.tr("SIP password"), "sipPassword",
                                      secret=True)
        self.button = add_primary_button(self, layout, self.tr("Create vault and sign in"), self.tr("Create vault and sign in"))
        self.button.clicked.connect(self._submit)
        self.message = MessagePanel(self)
        layout.addWidget(self.message)
        for field in (self.password, self.confirm, self.sip_user, self.sip_password):
            field.textChanged.connect(lambda _t: self._refresh())
        self._busy = False
        self._refresh()

    def _refresh(self) -> None:
        ok = self.rules.update_for(self.password.text(), self.confirm.text())
        filled = bool(self.sip_user.text().strip() and self.sip_password.text())
        self.button.setEnabled(ok and filled and not self._busy)

    def _submit(self) -> None:
        if self.button.isEnabled():
            self.message.clear()
            self.create_requested.emit(self.password.text(), self.sip_user.text(),
                                       self.sip_password.text())

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        for field in (self.password, self.confirm, self.sip_user, self.sip_password):
            field.setEnabled(not busy)
        self.button.setText(self.tr("Creating the vault…") if busy else self.tr("Create vault and sign in"))
        self._refresh()

    def show_error(self, err: AgentDesktopError) -> None:
        self.message.show_error(err)

    def done(self) -> None:
        for field in (self.password, self.confirm, self.sip_password):
            field.setText("")
        self.set_busy(False)
