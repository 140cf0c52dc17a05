"""The rows every sign-in step is made of: the step header, a captioned line edit, the
primary button."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def add_step_header(parent: QWidget, step: str, title: str, intro: str) -> QVBoxLayout:
    """A step's layout, started with "STEP n OF m", its title and one explaining paragraph."""
    layout = QVBoxLayout(parent)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(8)
    for text, name in ((step, "stepIndicator"), (title, "pageTitle"), (intro, "muted")):
        label = QLabel(text, parent)
        label.setObjectName(name)
        label.setWordWrap(True)
        layout.addWidget(label)
    return layout


def add_field(parent: QWidget, layout: QBoxLayout, caption: str, name: str, *,
              secret: bool = False, placeholder: str = "") -> QLineEdit:
    """Caption above the field (its buddy, so Alt+letter and screen readers find it)."""
    label = QLabel(caption, parent)
    label.setObjectName("fieldCaption")
    field = QLineEdit(parent)
    field.setObjectName(name)
    field.setAccessibleName(caption)
    if placeholder:
        field.setPlaceholderText(placeholder)
    if secret:
        field.setEchoMode(QLineEdit.EchoMode.Password)
    label.setBuddy(field)
    layout.addWidget(label)
    layout.addWidget(field)
    return field


def add_primary_button(parent: QWidget, layout: QBoxLayout, text: str, accessible: str) -> QPushButton:
    """The step's one primary action, right-aligned."""
    row = QHBoxLayout()
    row.addStretch(1)
    button = QPushButton(text, parent)
    button.setObjectName("primary")
    button.setAccessibleName(accessible)
    row.addWidget(button)
    layout.addLayout(row)
    return button
