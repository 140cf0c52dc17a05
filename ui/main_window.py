"""The main window: until the full agent workspace lands, it shows what the agent needs to
know at sign-in: who configured what, and whether the workstation is ready."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from agent_desktop import __version__
from agent_desktop.policy import Settings


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.setWindowTitle(f"Agent Desktop {__version__}")
        self.resize(720, 480)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        title = QLabel("<h2>Agent Desktop</h2>Secure softphone with guided identity verification")
        title.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(title)

        box = QGroupBox("Workstation configuration", central)
        form = QFormLayout(box)
        for name, label in (("sip.registrar", "Phone system"), ("audit.server_url", "Audit server"),
                            ("vault.idle_lock_minutes", "Lock after idle (minutes)"),
                            ("verification.script", "Verification script"),
                            ("ui.language", "Language")):
            info = settings.info(name)
            value = str(info.value) if info.value not in ("", None) else "not configured"
            suffix = "  (set by your organisation)" if info.locked and info.source == "policy" else ""
            field = QLabel(value + suffix)
            field.setObjectName(f"setting:{name}")
            form.addRow(label, field)
        layout.addWidget(box)
        source = str(settings.policy_file) if settings.policy_present else "none (built-in defaults)"
        policy = QLabel(f"Policy: {source}")
        policy.setObjectName("policy-source")
        layout.addWidget(policy)
        layout.addStretch(1)
        self.setCentralWidget(central)
