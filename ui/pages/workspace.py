"""The signed-in frame: a header (who, agent state, lock, settings) and the call region that
the call and verification screens fill (``ui/calls/``'s CallWorkspace when it is present)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.look import icon, icon_label
from ui.widgets.agent_state import AgentStateSelector


class WorkspaceFrame(QWidget):
    lock_clicked = Signal()
    settings_clicked = Signal()

    def __init__(self, reasons: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._header(reasons))
        body = QVBoxLayout()
        body.setContentsMargins(12, 10, 12, 10)
        self.call_region = QFrame(self)
        self.call_region.setObjectName("callRegion")
        self.call_region.setAccessibleName(self.tr("Calls"))
        self._region_layout = QVBoxLayout(self.call_region)
        self._region_layout.setContentsMargins(0, 0, 0, 0)
        self.placeholder = self._placeholder()
        self._region_layout.addWidget(self.placeholder)
        body.addWidget(self.call_region, 1)
        outer.addLayout(body, 1)
        self.calls: QWidget | None = None

    def _header(self, reasons: list[str]) -> QFrame:
        header = QFrame(self)
        header.setObjectName("header")
        row = QHBoxLayout(header)
        row.setContentsMargins(16, 10, 16, 10)
        row.setSpacing(12)
        row.addWidget(icon_label("app", 28, header))
        title = QLabel(self.tr("Agent Desktop"), header)
        title.setObjectName("headerTitle")
        row.addWidget(title)
        self.who = QLabel(header)
        self.who.setObjectName("muted")
        self.who.setAccessibleName(self.tr("Signed-in agent"))
        row.addWidget(self.who)
        row.addStretch(1)
        self.agent_state = AgentStateSelector(reasons, header)
        row.addWidget(self.agent_state)
        self.settings_button = QPushButton(icon("settings"), self.tr("Settings"), header)
        self.settings_button.setAccessibleName(self.tr("Settings"))
        self.settings_button.clicked.connect(self.settings_clicked)
        self.lock_button = QPushButton(icon("lock"), self.tr("Lock"), header)
        self.lock_button.setAccessibleName(self.tr("Lock the workstation"))
        self.lock_button.clicked.connect(self.lock_clicked)
        row.addWidget(self.settings_button)
        row.addWidget(self.lock_button)
        return header

    def _placeholder(self) -> QWidget:
        box = QWidget(self.call_region)
        box.setObjectName("callPlaceholder")
        layout = QVBoxLayout(box)
        layout.addStretch(1)
        layout.addWidget(icon_label("headset", 72, box), 0, Qt.AlignmentFlag.AlignHCenter)
        title = QLabel(self.tr("No call right now"), box)
        title.setObjectName("placeholderTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(self.tr("Incoming calls ring here. The caller's verification and, once "
                              "verified, the patient's record appear beside the call."), box)
        text.setObjectName("placeholderText")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addStretch(2)
        return box

    def embed_calls(self, widget: QWidget) -> None:
        """Put the call screens (ui/calls CallWorkspace) in the call region; on a small screen
        it scrolls rather than squeezing its controls below their size."""
        self.placeholder.hide()
        scroll = QScrollArea(self.call_region)
        scroll.setObjectName("callScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(widget)
        self._region_layout.addWidget(scroll)
        self.calls = widget
