"""The look of the GUI in one place: the style sheet, SVG icons, high-DPI pixmaps."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from agent_desktop.resources import resource

if TYPE_CHECKING:
    from PySide6.QtGui import QPixmap

HERE = Path(__file__).parent


# Fusion everywhere (the same metrics on every platform; the sheet does the rest), chosen on
# the command line that QApplication parses: QApplication.setStyle() from Python returns a
# QStyle, for which PySide first builds that class with all its enums (~10 ms before the
# first frame).
STYLE_ARGUMENTS = ("-style", "fusion")


def apply_style(app: QApplication, fusion_chosen: bool = False) -> None:
    """The style sheet, on Fusion; ``fusion_chosen`` when ``app`` was made with STYLE_ARGUMENTS."""
    if not fusion_chosen:
        app.setStyle("Fusion")
    sheet = (HERE / "style.qss").read_text(encoding="utf-8")
    app.setStyleSheet(sheet.replace("@ICONS@", (HERE / "icons").as_posix()))


def icon(name: str) -> QIcon:
    """``ui/icons/<name>.svg`` (``app``: the product icon in resources/)."""
    path = str(resource("icons/app.svg")) if name == "app" else str(HERE / "icons" / f"{name}.svg")
    return QIcon(path)


def icon_label(name: str, size: int, parent: QWidget | None = None) -> QLabel:
    """A label showing an icon, rendered for the screen's device pixel ratio (sharp on HiDPI)."""
    label = QLabel(parent)
    set_icon(label, name, size)
    return label


def set_icon(label: QLabel, name: str, size: int) -> None:
    ratio = label.devicePixelRatioF() or 1.0
    pixmap: QPixmap = icon(name).pixmap(QSize(size, size), ratio)
    label.setPixmap(pixmap)
    label.setFixedSize(size, size)
