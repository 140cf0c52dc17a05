"""A banner across the top of the main window for what IT must know about (chain break,
revoked device). It stays until the condition is over; it can be hidden for now."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from ui.look import icon, icon_label, set_icon


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAccessibleName(self.tr("Alert"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 10, 8)
        layout.setSpacing(10)
        self._icon = icon_label("warning", 20, self)
        layout.addWidget(self._icon)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        layout.addWidget(self.text, 1)
        self.dismiss = QToolButton(self)
        self.dismiss.setIcon(icon("close"))
        self.dismiss.setAutoRaise(True)
        self.dismiss.setAccessibleName(self.tr("Hide this alert"))
        self.dismiss.setToolTip(self.tr("Hide this alert"))
        self.dismiss.clicked.connect(self.hide)
        layout.addWidget(self.dismiss)
        self.code = ""
        self.hide()

    def show_alert(self, code: str, text: str, kind: str = "error") -> None:
        self.code = code
        self.setProperty("kind", kind)
        set_icon(self._icon, "error" if kind == "error" else "warning", 20)
        self.text.setText(text)
        self.setAccessibleDescription(text)
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def clear_alert(self, code: str | None = None) -> None:
        if code is None or code == self.code:
            self.code = ""
            self.text.clear()
            self.hide()
