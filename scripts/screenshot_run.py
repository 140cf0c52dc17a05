"""Start the GUI, save a screenshot of the main window after it settles, keep running.

For developers to look at the UI (the demo saves its own screenshots: docs/demo.md).
usage: python scripts/screenshot_run.py OUT.png [--quit-after SECONDS]
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def main() -> int:
    out = Path(sys.argv[1])
    quit_after = float(sys.argv[sys.argv.index("--quit-after") + 1]) if "--quit-after" in sys.argv else 0.0
    app = QApplication(sys.argv[:1])

    def shoot() -> None:
        windows = [w for w in app.topLevelWidgets() if w.isVisible()]
        if windows:
            out.parent.mkdir(parents=True, exist_ok=True)
            windows[0].grab().save(str(out))
            print(f"screenshot saved: {out}", flush=True)
        if quit_after:
            QTimer.singleShot(int(quit_after * 1000), app.quit)

    QTimer.singleShot(1500, shoot)
    from ui.app import run

    return run()


if __name__ == "__main__":
    sys.exit(main())
