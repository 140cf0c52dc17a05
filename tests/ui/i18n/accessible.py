"""What a screen reader gets from a widget tree (Qt's accessibility interfaces)."""

from __future__ import annotations

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QTextEdit, QPlainTextEdit)


def ancestors(widget: QWidget) -> list[QWidget]:
    found, parent = [], widget.parentWidget()
    while parent is not None:
        found.append(parent)
        parent = parent.parentWidget()
    return found


def unlabelled(root: QWidget) -> list[str]:
    """Interactive widgets a screen reader cannot name or describe: ``objectName: missing``."""
    found = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or widget.parent() is None:
            continue
        if any(isinstance(a, QComboBox) for a in ancestors(widget)):  # a combo's own pop-up list
            continue
        iface = QAccessible.queryAccessibleInterface(widget)
        missing = [what for what, kind in (("name", QAccessible.Text.Name),
                                           ("description", QAccessible.Text.Description))
                   if not iface or not iface.text(kind).strip()]
        if missing:
            found.append(f"{widget.objectName() or type(widget).__name__}"
                         f"({getattr(widget, 'text', lambda: '')()}): {', '.join(missing)}")
    return found


def focus_invisible(root: QWidget, widgets: list[QWidget]) -> list[str]:
    """Widgets whose pixels do not change when they take the keyboard focus."""
    from PySide6.QtWidgets import QApplication

    found = []
    for widget in widgets:
        if not (widget.isVisible() and widget.isEnabled()):
            continue
        root.setFocus()
        QApplication.processEvents()
        before = widget.grab().toImage()
        widget.setFocus()
        QApplication.processEvents()
        if not widget.hasFocus():
            found.append(f"{widget.objectName() or type(widget).__name__}: takes no focus")
        elif widget.grab().toImage() == before:
            found.append(f"{widget.objectName() or type(widget).__name__}: focus not drawn")
    return found
