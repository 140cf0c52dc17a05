"""`agent-desktop gui` (the default) and the hidden `qt-probe` used by self-test."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from agent_desktop.phone.links import dial_target


def register(sub: Any) -> None:
    p = sub.add_parser("gui", help="start the desktop application (default)")
    p.add_argument("link", nargs="?", metavar="tel:|sip:LINK",
                   help="open the dial pad with this number (what the desktop entry passes "
                        "for click-to-dial; `agent-desktop tel:+15550100` works too)")
    p.set_defaults(func=run_gui)
    probe = sub.add_parser("qt-probe")  # internal: self-test opens a window in a child process
    probe.set_defaults(func=run_probe)


def desktop_args() -> argparse.Namespace:
    """What ``agent-desktop gui`` parses to, without a parser: `agent-desktop` with no
    arguments (the desktop icon) has nothing to parse, and argparse's translated help texts
    (gettext looking for catalogues, the locale module) cost its first frame ~2 ms."""
    return argparse.Namespace(command="gui", link=None, func=run_gui)


def run_gui(args: argparse.Namespace) -> int:
    # Imported here so that headless subcommands never load Qt.
    target = dial_target(args.link) if args.link else None  # refused before Qt starts
    app: Any = importlib.import_module("ui.app")
    if target is None:
        return int(app.run())
    import inspect

    if "dial" not in inspect.signature(app.run).parameters:
        print("agent-desktop: this build's window cannot take a number to dial yet; "
              "starting without it", file=sys.stderr)
        return int(app.run())
    return int(app.run(dial=target))


def run_probe(args: argparse.Namespace) -> int:
    probe: Any = importlib.import_module("ui.probe")
    return int(probe.run())
