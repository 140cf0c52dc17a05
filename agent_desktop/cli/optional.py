"""Parts of the `agent-desktop` command that the workstation bundle leaves out.

The reference audit server and the demo do not run on agents' workstations, so build.spec
excludes their packages (this table is its source). Where a part is absent, its subcommand
stays listed and says what to install instead of failing with an import error.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from typing import Any

from agent_desktop.cli.context import EXIT_FAIL


@dataclass(frozen=True)
class OptionalPart:
    command: str  # the subcommand, e.g. "server"
    cli_module: str  # its module under agent_desktop.cli
    package: str  # the package the bundle leaves out
    what: str
    install: str

    def present(self) -> bool:
        return importlib.util.find_spec(self.package) is not None

    def explanation(self) -> str:
        return (f"agent-desktop {self.command}: {self.what} is not part of this installation "
                f"(the workstation bundle leaves it out). {self.install}")


PARTS = (
    OptionalPart(
        "server", "server_cmd", "agent_desktop.server", "the reference central audit server",
        "Install it on the server host from the Python package with its server extra: "
        "pip install 'agent-desktop[server]' (see docs/server.md)."),
    OptionalPart(
        "demo", "demo_cmd", "agent_desktop.demo", "the demo",
        "Run it from a source checkout with ./scripts/demo, or install the Python package "
        "with its server extra (pip install 'agent-desktop[server]') and the Debian packages "
        "kamailio and kamailio-tls-modules."),
)


def left_out(cli_module: str) -> bool:
    """True when ``cli_module`` belongs to a part whose package is not installed here."""
    return any(p.cli_module == cli_module and not p.present() for p in PARTS)


def missing(command: str) -> OptionalPart | None:
    for part in PARTS:
        if part.command == command and not part.present():
            return part
    return None


def explain(part: OptionalPart) -> int:
    print(part.explanation(), file=sys.stderr)
    return EXIT_FAIL


def register_missing(sub: Any) -> None:
    """List absent parts in ``--help``; main() answers them before parsing their options."""
    for part in PARTS:
        if not part.present() and part.command not in sub.choices:
            p = sub.add_parser(part.command, help=f"not in this installation: {part.what}")
            p.set_defaults(func=lambda args, part=part: explain(part))


def run_missing(argv: list[str]) -> int | None:
    """Answer ``agent-desktop server ...`` when the server is absent, whatever its options."""
    command = next((a for a in argv if not a.startswith("-")), None)
    part = missing(command) if command else None
    return explain(part) if part else None

