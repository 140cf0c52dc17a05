"""The status bar: phone registration, audit sync (online/offline, backlog, last sync),
the vault, and how many settings the organisation's policy locks."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QFrame, QStatusBar, QWidget

from agent_desktop.audit.notices import AuditSyncStatus
from ui.errors import code_text
from ui.widgets.status_item import StatusItem


class ShellStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.registration = StatusItem("statusRegistration", self.tr("Phone registration"), self)
        self.audit = StatusItem("statusAudit", self.tr("Audit sync"), self)
        self.vault = StatusItem("statusVault", self.tr("Vault"), self)
        self.policy = StatusItem("statusPolicy", self.tr("Policy"), self)
        for i, item in enumerate((self.registration, self.audit, self.vault)):
            if i:
                self.addWidget(self._separator())
            self.addWidget(item)
        self.addPermanentWidget(self.policy)
        self.set_registration("unregistered", "")
        self.set_audit(None)
        self.set_vault(False)

    def _separator(self) -> QFrame:
        line = QFrame(self)
        line.setObjectName("statusSeparator")
        line.setFixedSize(1, 16)
        return line

    def set_registration(self, state: str, reason: str) -> None:
        texts = {"registered": self.tr("Phone: registered"),
                 "registering": self.tr("Phone: connecting…"),
                 "failed": self.tr("Phone: not registered"),
                 "unregistered": self.tr("Phone: offline")}
        icon = "phone-ok" if state == "registered" else "phone" if state == "registering" else "phone-off"
        # the registrar's own words are English: a refusal is explained through its code
        detail = "" if state == "registered" else code_text("sip.registrar_refused") if state == "failed" else reason
        self.registration.set(icon, texts.get(state, texts["unregistered"]), detail)

    def set_audit(self, status: AuditSyncStatus | None) -> None:
        if status is None or not status.enrolled:
            self.audit.set("cloud-off", self.tr("Audit: not enrolled"))
            return
        if status.halted:
            self.audit.set("cloud-off", self.tr("Audit: sync halted"),
                           status.last_error or self.tr("The audit server refused the chain."))
            return
        parts = [self.tr("Audit: online") if status.online else self.tr("Audit: offline")]
        if status.backlog:
            parts.append(self.tr("%n waiting", "", status.backlog))
        if status.last_sync:
            parts.append(self.tr("last sync %1").replace("%1", _local_time(status.last_sync)))
        self.audit.set("cloud-ok" if status.online else "cloud-off", " · ".join(parts),
                       status.last_error or "")

    def set_vault(self, unlocked: bool) -> None:
        self.vault.set("unlock" if unlocked else "lock",
                       self.tr("Vault: unlocked") if unlocked else self.tr("Vault: locked"))

    def set_policy(self, locked: int, policy_file: str) -> None:
        text = self.tr("%n setting(s) set by your organisation", "", locked)
        self.policy.set("building", text, self.tr("Policy file: %1").replace("%1", policy_file))
        self.policy.setVisible(locked > 0)


def _local_time(rfc3339: str) -> str:
    try:
        return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).astimezone().strftime("%H:%M")
    except ValueError:
        return rfc3339
