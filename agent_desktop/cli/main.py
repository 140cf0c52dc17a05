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
from agent_desktop.cli.context import EXIT_CONFIG, EXIT_FAIL
from agent_desktop.errors import AgentDesktopError
from agent_desktop.policy import PolicyError

# Modules that add subcommands (each defines ``register(subparsers)``).
SUBCOMMAND_MODULES = ("selftest", "doctor", "policy_cmd", "server_cmd", "vault_cmd", "audit_cmd", "gui", "verify_cmd")

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agent-desktop",
        description="Agent Desktop: secure softphone with guided identity verification.",
    )
    parser.add_argument("--version", action="version", version=f"agent-desktop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(f"agent_desktop.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):  # `agent-desktop policy show | head` must not traceback
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["gui", *(argv or sys.argv[1:])])
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
