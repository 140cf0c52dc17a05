"""Typing into widgets with key events, one per character: QTest's keyClicks knows ASCII
only (a synthetic "José" aborts the process), and the synthetic patients are bilingual."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot


def type_text(widget: Any, text: str) -> None:
    widget.setFocus()
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def type_and_enter(qtbot: QtBot, widget: Any, text: str) -> None:
    type_text(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)
