"""Start-up of the desktop shell: process start -> sign-in window painted.

Each round runs a fresh Python process (offscreen Qt) that builds the QApplication and
the main window, shows it and waits until it is exposed; that is what `agent-desktop`
does before it imports the workstation. The baseline process does the same after
importing the workstation first (what painting would wait for otherwise). Rounds
alternate, so load drift hits both.

Line: ``shell.first_paint`` (ms, median; baseline = the same with the workstation imported
first). Run: ``.venv/bin/python -m bench.shell [--rounds N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from bench.common import emit, median

CHILD = r"""
import sys, time
start = time.perf_counter()
if {early}:
    import agent_desktop.app.workstation
from PySide6.QtWidgets import QApplication
from PySide6.QtTest import QTest
app = QApplication(sys.argv[:1])
from ui.look import apply_style
from ui.main_window import MainWindow
from agent_desktop.policy import load_settings
from pathlib import Path
apply_style(app)
settings = load_settings(policy_file=Path("/nonexistent/policy.toml"),
                         user_file=Path("/nonexistent/settings.toml"))
window = MainWindow(settings)
window.sign_in.show_starting()
window.show()
QTest.qWaitForWindowExposed(window)
app.processEvents()
print(json.dumps({{"ms": (time.perf_counter() - start) * 1000,
                   "pjsua2": "pjsua2" in sys.modules}}))
"""


def one(early: bool) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    code = "import json\n" + CHILD.format(early=early)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True, timeout=120)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    if row["pjsua2"]:
        raise SystemExit("pjsua2 was imported before the sign-in window painted")
    return float(row["ms"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    shell, baseline = [], []
    for _ in range(args.rounds):
        shell.append(one(early=False))
        baseline.append(one(early=True))
    emit("shell.first_paint", median(shell), "ms", median(baseline), rounds=args.rounds,
         note="interpreter start excluded; baseline imports the workstation before painting")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
