"""One entry of the status bar: an icon and words (state is never shown by colour alone)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from ui.look import icon_label, set_icon


class StatusItem(QWidget):
    def __init__(self, name: str, accessible: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(5)
        self.icon = icon_label("info", 16, self)
        self.label = QLabel(self)
        self.label.setObjectName("statusText")
        layout.addWidget(self.icon)
        layout.addWidget(self.label)

    def set(self, icon: str, text: str, tooltip: str = "") -> None:
        set_icon(self.icon, icon, 16)
        self.label.setText(text)
        self.setToolTip(tooltip or text)
        self.setAccessibleDescription(tooltip or text)

    def text(self) -> str:
        return self.label.text()
