"""Opens and closes a window: `self-test` runs this in a child process."""

from __future__ import annotations

import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel


def run() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    label = QLabel("Agent Desktop self-test")
    label.show()
    app.processEvents()
    shown = label.isVisible() and label.windowHandle() is not None and label.windowHandle().isExposed()
    QTimer.singleShot(50, app.quit)
    app.exec()
    label.close()
    print(f"Qt {pyside_version} ({QApplication.platformName()}): window opened")
    return 0 if shown else 1
