"""`agent-desktop policy show|check|template`: what applies here and why; IT's starting point."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from agent_desktop.cli.context import EXIT_OK, CliContext
from agent_desktop.policy import SETTINGS, Settings, load_policy


def register(sub: Any) -> None:
    p = sub.add_parser("policy", help="show the effective policy or check a policy file")
    actions = p.add_subparsers(dest="policy_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="every setting with its value, source and lock")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=run_show)
    check = actions.add_parser("check", help="validate a policy file before deploying it")
    check.add_argument("file", type=Path)
    check.set_defaults(func=run_check)
    template = actions.add_parser("template", help="print a commented policy naming every setting")
    template.set_defaults(func=run_template)


def describe(settings: Settings) -> list[dict[str, Any]]:
    rows = []
    for name, setting in SETTINGS.items():
        info = settings.info(name)
        rows.append({"name": name, "value": info.value, "source": info.source, "locked": info.locked,
                     "policy_only": setting.policy_only, "ceiling": info.ceiling,
                     "description": setting.description})
    return rows


def run_show(args: argparse.Namespace) -> int:
    ctx = CliContext.create(log_to_file=False)
    settings = ctx.settings
    rows = describe(settings)
    if args.json:
        print(json.dumps({"policy_file": str(settings.policy_file), "policy_present": settings.policy_present,
                          "user_file": str(settings.user_file), "settings": rows}, indent=2))
        return EXIT_OK
    print(f"policy file: {settings.policy_file} ({'present' if settings.policy_present else 'absent'})")
    print(f"user settings: {settings.user_file}")
    for row in rows:
        flags = ["locked"] if row["locked"] else []
        if row["ceiling"] is not None:
            flags.append(f"max {row['ceiling']:g}")
        print(f"  {row['name']} = {json.dumps(row['value'])}  [{row['source']}{', ' if flags else ''}{', '.join(flags)}]")
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    # A PolicyError propagates to main(), which prints it and exits 2.
    values, locked, present = load_policy(args.file)
    if not present:
        print(f"{args.file}: no such file")
        return 2
    print(f"{args.file}: ok ({len(values)} settings, {len(locked)} locked)")
    return EXIT_OK


def run_template(args: argparse.Namespace) -> int:
    from agent_desktop.policy.template import render_template

    print(render_template(), end="")
    return EXIT_OK
