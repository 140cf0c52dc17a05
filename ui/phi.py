"""PHI-bearing widgets: marked when built, emptied (not hidden) on every lock or call end.

A widget shows PHI when its ``phi`` property is true (:func:`mark_phi`). :func:`clear_phi`
walks every window and empties each marked widget: text set to "" (which also drops the
undo history of line edits and text documents), lists and combos emptied. A widget may
instead offer its own ``clear_phi()`` method (a custom view of the calls helper).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

PHI_PROPERTY = "phi"
W = TypeVar("W", bound=QWidget)


def mark_phi(widget: W) -> W:
    widget.setProperty(PHI_PROPERTY, True)
    return widget


def is_phi(widget: QWidget) -> bool:
    return bool(widget.property(PHI_PROPERTY))


def phi_widgets(roots: Iterable[QWidget] | None = None) -> list[QWidget]:
    """Every marked widget under ``roots`` (default: every top-level window)."""
    found: list[QWidget] = []
    for root in roots if roots is not None else QApplication.topLevelWidgets():
        for widget in (root, *root.findChildren(QWidget)):
            if is_phi(widget):
                found.append(widget)
    return found


def clear_widget(widget: QWidget) -> None:
    custom = getattr(widget, "clear_phi", None)
    if callable(custom):
        custom()
    elif isinstance(widget, QLineEdit):
        widget.setText("")  # setText also clears the undo/redo history
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText("")
        widget.document().clearUndoRedoStacks()
    elif isinstance(widget, QTextEdit):
        widget.setPlainText("")
        widget.document().clearUndoRedoStacks()
    elif isinstance(widget, QLabel):
        widget.clear()
    elif isinstance(widget, QComboBox):
        widget.clear()
    elif isinstance(widget, QAbstractItemView):
        model = widget.model()
        if model is not None and model.rowCount() and hasattr(model, "clear"):
            model.clear()
        elif model is not None and model.rowCount():
            model.removeRows(0, model.rowCount())
    widget.setToolTip("")
    widget.setAccessibleDescription("")


def clear_phi(roots: Iterable[QWidget] | None = None) -> int:
    """Empty every PHI widget; returns how many were cleared."""
    widgets = phi_widgets(roots)
    for widget in widgets:
        clear_widget(widget)
    return len(widgets)
