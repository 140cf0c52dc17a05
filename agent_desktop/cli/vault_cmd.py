"""`agent-desktop vault status|create|unlock-check|change-password|wipe|quarantine`.

For IT and scripts. Passwords come from a TTY prompt, or with ``--password-stdin`` one per
line on standard input (change-password reads the old, then the new one). Never from an
argument: those show up in `ps` and shell history.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from dataclasses import asdict
from typing import Any

import agent_desktop.capabilities  # noqa: F401  (registers every capability's vault tables)
from agent_desktop.audit.attach import attach_recorder
from agent_desktop.bus import EventBus
from agent_desktop.cli.context import EXIT_FAIL, EXIT_OK, CliContext
from agent_desktop.errors import AgentDesktopError
from agent_desktop.vault.keyring_backend import InsecureKeyringError
from agent_desktop.vault.vault import Vault


class PasswordInputError(AgentDesktopError):
    pass


def register(sub: Any) -> None:
    p = sub.add_parser("vault", help="create, check, re-key or wipe an agent's secure vault")
    p.add_argument("--profile", default=_default_profile(),
                   help="agent profile (default: the OS user name)")
    actions = p.add_subparsers(dest="vault_action", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="does the vault exist, failed attempts, paths")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=run_status)
    for name, func, text in (
        ("create", run_create, "create the vault (asks for a new password)"),
        ("unlock-check", run_unlock_check, "check the password opens the vault, then lock it"),
        ("change-password", run_change_password, "re-wrap the vault key under a new password"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("--password-stdin", action="store_true",
                            help="read the password(s) from standard input, one per line")
        action.set_defaults(func=func)
    wipe = actions.add_parser("wipe", help="crypto-shred the vault (cannot be undone)")
    wipe.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    wipe.set_defaults(func=run_wipe)
    quarantine = actions.add_parser("quarantine", help="move a damaged vault aside")
    quarantine.set_defaults(func=run_quarantine)


def _default_profile() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "agent"


def _vault(args: argparse.Namespace) -> Vault:
    ctx = CliContext.create()
    bus = EventBus()
    vault = Vault(ctx.paths, args.profile, ctx.settings, bus)
    # Audited like any unlock: a vault CLI run must not be a way around the trail.
    try:
        attach_recorder(vault, bus, ctx.settings, args.profile)
    except InsecureKeyringError:
        pass  # the vault itself reports the keyring problem when it needs the device secret
    return vault


class _Passwords:
    """Reads passwords from stdin lines (scripts) or the terminal (people)."""

    def __init__(self, from_stdin: bool) -> None:
        self.from_stdin = from_stdin
        self.lines = sys.stdin.read().splitlines() if from_stdin else []

    def ask(self, prompt: str) -> str:
        if self.from_stdin:
            if not self.lines:
                raise PasswordInputError("Standard input ended before every password was read.",
                                         "Give one password per line.")
            return self.lines.pop(0)
        if not sys.stdin.isatty():
            raise PasswordInputError("No terminal to ask for the password.",
                                     "Use --password-stdin in scripts.")
        return getpass.getpass(prompt)

    def new(self, prompt: str) -> str:
        first = self.ask(prompt)
        if not self.from_stdin and self.ask("Repeat it: ") != first:
            raise PasswordInputError("The two passwords differ.", "Run the command again.")
        return first


def run_status(args: argparse.Namespace) -> int:
    vault = _vault(args)
    try:
        data = asdict(vault.status())
    finally:
        vault.close()
    data["directory"] = str(data["directory"])
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        for key, value in data.items():
            print(f"{key}: {value}")
    return EXIT_OK


def run_create(args: argparse.Namespace) -> int:
    passwords = _Passwords(args.password_stdin)
    vault = _vault(args)
    try:
        vault.create(passwords.new("New vault password: "))
        vault.lock("cli")
    finally:
        vault.close()
    print(f"vault created for profile {args.profile}")
    return EXIT_OK


def run_unlock_check(args: argparse.Namespace) -> int:
    passwords = _Passwords(args.password_stdin)
    vault = _vault(args)
    try:
        vault.unlock(passwords.ask("Vault password: "))
        vault.lock("cli")
    finally:
        vault.close()
    print("ok: the password and this device open the vault")
    return EXIT_OK


def run_change_password(args: argparse.Namespace) -> int:
    passwords = _Passwords(args.password_stdin)
    old = passwords.ask("Current vault password: ")
    new = passwords.new("New vault password: ")
    vault = _vault(args)
    try:
        vault.change_password(old, new)
    finally:
        vault.close()
    print("vault password changed")
    return EXIT_OK


def run_wipe(args: argparse.Namespace) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            print("refusing to wipe without --yes when not on a terminal", file=sys.stderr)
            return EXIT_FAIL
        answer = input(f"Wipe the vault of profile {args.profile}? This cannot be undone. "
                       "Type 'wipe' to confirm: ")
        if answer.strip() != "wipe":
            print("not wiped")
            return EXIT_FAIL
    from agent_desktop.recordings.store import recordings_folder, shred_folder

    vault = _vault(args)
    try:
        vault.wipe()
        shred_folder(recordings_folder(vault.directory))  # undecryptable already: the key was in the vault
    finally:
        vault.close()
    print(f"vault of profile {args.profile} wiped")
    return EXIT_OK


def run_quarantine(args: argparse.Namespace) -> int:
    vault = _vault(args)
    try:
        target = vault.quarantine()
    finally:
        vault.close()
    print(f"vault moved aside to {target}")
    return EXIT_OK
