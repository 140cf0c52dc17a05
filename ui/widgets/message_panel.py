"""An inline message: what happened (bold) and what to do (the hint), with an icon."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from agent_desktop.errors import AgentDesktopError
from ui.errors import error_parts
from ui.look import icon_label, set_icon

ICONS = {"error": "error", "warning": "warning", "info": "info"}


class MessagePanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messagePanel")
        self.setAccessibleName(self.tr("Message"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(10)
        self._icon = icon_label("error", 20, self)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.title = QLabel(self)
        self.title.setObjectName("messageTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel(self)
        self.hint.setObjectName("messageHint")
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.title)
        text.addWidget(self.hint)
        layout.addLayout(text, 1)
        self.hide()

    def show_message(self, message: str, hint: str = "", kind: str = "error") -> None:
        self.setProperty("kind", kind)
        set_icon(self._icon, ICONS.get(kind, "info"), 20)
        self.title.setText(message)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.setAccessibleDescription(f"{message} {hint}".strip())
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def show_error(self, err: AgentDesktopError) -> None:
        self.show_message(*error_parts(err), "error")  # the agent's language, through its code

    def clear(self) -> None:
        self.title.clear()
        self.hint.clear()
        self.setAccessibleDescription("")
        self.hide()
