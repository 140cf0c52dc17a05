"""The `agent-desktop` command.

Each subcommand lives in its own module under ``agent_desktop.cli`` with a ``register``
function; only the GUI (the default) and ``qt-probe`` import Qt, and only when they run.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
from collections.abc import Sequence

from agent_desktop import __version__
from agent_desktop.cli import optional
from agent_desktop.cli.context import EXIT_CONFIG, EXIT_FAIL
from agent_desktop.errors import AgentDesktopError
from agent_desktop.phone.links import is_link
from agent_desktop.policy import PolicyError

# Modules that add subcommands (each defines ``register(subparsers)``).
SUBCOMMAND_MODULES = ("selftest", "doctor", "policy_cmd", "server_cmd", "vault_cmd", "audit_cmd", "gui", "verify_cmd",
                      "demo_cmd")

log = logging.getLogger(__name__)


def build_parser(modules: Sequence[str] = SUBCOMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agent-desktop",
        description="Agent Desktop: secure softphone with guided identity verification.",
    )
    parser.add_argument("--version", action="version", version=f"agent-desktop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        if not optional.left_out(name):  # the workstation bundle has no server or demo
            importlib.import_module(f"agent_desktop.cli.{name}").register(sub)
    if modules == SUBCOMMAND_MODULES:
        optional.register_missing(sub)
    return parser


def starts_desktop(arguments: Sequence[str]) -> bool:
    """No arguments, a tel:/sip: link or ``gui``: the desktop, whose start the agent waits for,
    so the parser leaves out the other subcommands' modules (the vault, requests, keyring...:
    some 200 ms before the window could paint)."""
    return not arguments or is_link(arguments[0]) or arguments[0] == "gui"


def main(argv: Sequence[str] | None = None) -> int:
    # `agent-desktop policy show | head` must not traceback; only for a real command line
    # (argv None): a caller running main() in its own process (tests) keeps its handler, or a
    # later write to a closed socket would kill that whole process
    if argv is None and hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    arguments = list(sys.argv[1:] if argv is None else argv)
    absent = optional.run_missing(arguments)
    if absent is not None:
        return absent
    if not arguments:
        from agent_desktop.cli.gui import desktop_args

        args = desktop_args()
    else:
        parser = build_parser(("gui",) if starts_desktop(arguments) else SUBCOMMAND_MODULES)
        if is_link(arguments[0]):  # the desktop entry's `agent-desktop %u`
            arguments.insert(0, "gui")
        args = parser.parse_args(arguments)
        if args.command is None:  # no subcommand: the desktop
            args = parser.parse_args(["gui", *arguments])
    try:
        return int(args.func(args) or 0)
    except PolicyError as err:
        print(f"agent-desktop: {err}", file=sys.stderr)
        return EXIT_CONFIG
    except AgentDesktopError as err:
        print(f"agent-desktop: {err}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
