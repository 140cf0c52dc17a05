"""`agent-desktop gui` (the default) and the hidden `qt-probe` used by self-test."""

from __future__ import annotations

import argparse
import importlib
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("gui", help="start the desktop application (default)")
    p.set_defaults(func=run_gui)
    probe = sub.add_parser("qt-probe")  # internal: self-test opens a window in a child process
    probe.set_defaults(func=run_probe)


def run_gui(args: argparse.Namespace) -> int:
    # Imported here so that headless subcommands never load Qt.
    app: Any = importlib.import_module("ui.app")
    return int(app.run())


def run_probe(args: argparse.Namespace) -> int:
    probe: Any = importlib.import_module("ui.probe")
    return int(probe.run())
