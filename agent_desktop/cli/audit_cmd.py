"""`agent-desktop audit status|enroll|sync-now|verify-local|export-local`: the audit trail.

``status`` works while the vault is locked (enrolment, server, pending locked-state events);
with ``--password-stdin`` (or a terminal prompt when asked with ``--unlock``) it also reads
the outbox. ``sync-now`` and ``verify-local`` open the vault, so they ask for the password.
Every unlock through this command is itself audited (pending locked-state events join
the chain first).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

import agent_desktop.capabilities  # noqa: F401  (registers every capability's vault tables)
from agent_desktop.audit import outbox
from agent_desktop.audit.attach import attach_recorder
from agent_desktop.audit.credentials import CredentialStore, DeviceCredentials
from agent_desktop.audit.enrol_token import EnrolmentToken, enrol_with, read_token_file, token_file
from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.audit.sync import Outcome, SyncWorker
from agent_desktop.bus import EventBus
from agent_desktop.cli.context import EXIT_CONFIG, EXIT_FAIL, EXIT_OK, CliContext
from agent_desktop.cli.vault_cmd import _default_profile, _Passwords
from agent_desktop.errors import AgentDesktopError
from agent_desktop.vault.keyring_backend import secure_backend
from agent_desktop.vault.vault import Vault


def register(sub: Any) -> None:
    p = sub.add_parser("audit", help="audit trail: status, enrolment, sync, local chain check")
    p.add_argument("--profile", default=_default_profile(),
                   help="agent profile (default: the OS user name)")
    actions = p.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="enrolment, backlog, last sync, halt state")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("--password-stdin", action="store_true",
                        help="unlock with the password from standard input to read the outbox")
    status.set_defaults(func=run_status)
    en = actions.add_parser(
        "enroll", help="enrol this workstation with IT's one-time token",
        description="The token comes from --token, --token-stdin, --token-file, else the per-user "
                    "file <config dir>/enrolment-token if IT left one (deleted once used), else a "
                    "terminal prompt. Never from the policy file: every local user can read it.")
    en.add_argument("--server", default="", help="audit server URL (default: policy audit.server_url)")
    source = en.add_mutually_exclusive_group()
    source.add_argument("--token", metavar="TOKEN",
                        help="the token itself (other local users can see command lines: "
                             "prefer --token-stdin or the token file)")
    source.add_argument("--token-stdin", action="store_true",
                        help="read the enrolment token from standard input")
    source.add_argument("--token-file", type=Path, metavar="FILE",
                        help="read it from FILE (owned by you, mode 0600), deleted once used")
    en.set_defaults(func=run_enroll)
    for name, func, text in (
        ("sync-now", run_sync_now, "send the backlog now (stops at the first failure)"),
        ("verify-local", run_verify_local, "recompute the hash chain of the local outbox"),
        ("export-local", run_export_local,
         "print the not-yet-receipted events as a FHIR R4 Bundle of AuditEvents"),
        ("resume-sync", run_resume_sync,
         "after compliance has investigated a chain break (409), let sync try again"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("--password-stdin", action="store_true",
                            help="read the vault password from standard input")
        action.add_argument("--json", action="store_true", help="machine-readable output")
        action.set_defaults(func=func)


def _store(ctx: CliContext, profile: str) -> CredentialStore:
    return CredentialStore(secure_backend(str(ctx.settings.get("vault.keyring_backend"))), profile)


def _open(ctx: CliContext, args: argparse.Namespace, bus: EventBus
          ) -> tuple[Vault, AuditRecorder | None, DeviceCredentials | None]:
    """Unlock the profile's vault with the recorder attached (so the unlock is audited)."""
    vault = Vault(ctx.paths, args.profile, ctx.settings, bus)
    recorder, creds = attach_recorder(vault, bus, ctx.settings, args.profile)
    try:
        vault.unlock(_Passwords(args.password_stdin).ask("Vault password: "))
    except BaseException:
        vault.close()
        raise
    return vault, recorder, creds


def _emit(args: argparse.Namespace, data: dict[str, Any]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2))
    else:
        for key, value in data.items():
            print(f"{key}: {'-' if value is None else value}")


def _with_vault(args: argparse.Namespace, body: Callable[[CliContext, Vault, AuditRecorder | None,
                                                          DeviceCredentials | None, EventBus], int]) -> int:
    ctx = CliContext.create()
    bus = EventBus()
    vault, recorder, creds = _open(ctx, args, bus)
    try:
        return body(ctx, vault, recorder, creds, bus)
    finally:
        vault.close()


def run_status(args: argparse.Namespace) -> int:
    ctx = CliContext.create()
    creds = _store(ctx, args.profile).load()
    data: dict[str, Any] = {
        "profile": args.profile,
        "enrolled": creds is not None,
        "device_id": creds.device_id if creds else None,
        "server_url": str(ctx.settings.get("audit.server_url")) or (creds.server_url if creds else None),
    }
    vault = Vault(ctx.paths, args.profile, ctx.settings, EventBus())
    try:
        data["vault_exists"] = vault.exists()
        data["pending_locked_events"] = vault.status().pending_locked_events if vault.exists() else 0
    finally:
        vault.close()
    if args.password_stdin:
        def read(ctx: CliContext, vault: Vault, recorder: AuditRecorder | None,
                 creds: DeviceCredentials | None, bus: EventBus) -> int:
            state, backlog = vault.submit(lambda c: (outbox.chain_state(c), outbox.backlog(c))).result()
            data.update(backlog=backlog, last_seq=state.last_seq if state else 0,
                        receipted_seq=state.acked_seq if state else 0,
                        last_sync=state.last_sync_ts if state else None,
                        halted=state.halted_reason if state else None)
            return EXIT_OK
        _with_vault(args, read)
    else:
        data["backlog"] = "unknown (vault locked; add --password-stdin)"
    _emit(args, data)
    return EXIT_OK


def _token(args: argparse.Namespace, ctx: CliContext) -> EnrolmentToken:
    """The token from the first source given; the per-user file before asking a person."""
    if args.token:
        return EnrolmentToken(args.token.strip())
    if args.token_stdin:
        return EnrolmentToken(sys.stdin.readline().strip())
    if args.token_file:
        return read_token_file(args.token_file)
    default = token_file(ctx.paths)
    if default.exists() or default.is_symlink():
        return read_token_file(default)
    return EnrolmentToken(_Passwords(False).ask("Enrolment token: ").strip())


def run_enroll(args: argparse.Namespace) -> int:
    ctx = CliContext.create()
    server = args.server or str(ctx.settings.get("audit.server_url"))
    if not server:
        print("agent-desktop: no audit server: pass --server or set audit.server_url in the policy",
              file=sys.stderr)
        return EXIT_CONFIG
    ca_bundle = str(ctx.settings.get("audit.ca_bundle"))
    creds = enrol_with(_token(args, ctx), requests.Session(), server, _store(ctx, args.profile),
                       verify=ca_bundle or True,
                       receipt_key=str(ctx.settings.get("audit.receipt_public_key")))
    print(f"enrolled: device {creds.device_id} for {creds.agent_id or 'this agent'}"
          f" ({creds.role or 'agent'}) with {server}")
    return EXIT_OK


def run_sync_now(args: argparse.Namespace) -> int:
    def sync(ctx: CliContext, vault: Vault, recorder: AuditRecorder | None,
             creds: DeviceCredentials | None, bus: EventBus) -> int:
        worker = SyncWorker(vault, bus, ctx.settings, session=requests.Session(),
                            store=_store(ctx, args.profile))
        result = worker.drain(retry=False)
        status = worker.status()
        _emit(args, {"result": result.outcome.value, "online": status.online,
                     "backlog": status.backlog, "last_sync": status.last_sync,
                     "last_error": status.last_error})
        return EXIT_OK if result.outcome is Outcome.EMPTY else EXIT_FAIL

    return _with_vault(args, sync)


def run_verify_local(args: argparse.Namespace) -> int:
    def verify(ctx: CliContext, vault: Vault, recorder: AuditRecorder | None,
               creds: DeviceCredentials | None, bus: EventBus) -> int:
        result = (recorder.verify_local() if recorder is not None
                  else vault.submit(outbox.verify_local).result())
        _emit(args, {"ok": result.ok, "events_checked": result.events,
                     "receipted_seq": result.acked_seq, "last_seq": result.last_seq,
                     "problem": result.problem})
        if not result.ok:
            raise LocalChainBroken(result.problem or "the local chain does not verify")
        return EXIT_OK

    return _with_vault(args, verify)


def run_export_local(args: argparse.Namespace) -> int:
    from agent_desktop.audit.fhir import to_bundle

    def export(ctx: CliContext, vault: Vault, recorder: AuditRecorder | None,
               creds: DeviceCredentials | None, bus: EventBus) -> int:
        events = vault.submit(lambda c: list(outbox.stored_events(c))).result()
        print(json.dumps(to_bundle(events), indent=2, ensure_ascii=False))
        return EXIT_OK

    return _with_vault(args, export)


def run_resume_sync(args: argparse.Namespace) -> int:
    """Clear a persisted sync halt. History is never rewritten: if the chain still breaks,
    the server answers 409 again and sync halts again. The resume itself is audited."""

    def resume(ctx: CliContext, vault: Vault, recorder: AuditRecorder | None,
               creds: DeviceCredentials | None, bus: EventBus) -> int:
        if recorder is None:
            raise AgentDesktopError("This workstation is not enrolled, so sync cannot be halted.",
                                    "Enrol it with `agent-desktop audit enroll`.")
        state = vault.submit(outbox.chain_state).result()
        if state is None or not state.halted:
            _emit(args, {"resumed": False, "halted": None})
            return EXIT_OK
        vault.transaction(outbox.clear_halt).result()
        recorder.record("audit.sync_resume", detail={"reason": "operator"})
        _emit(args, {"resumed": True, "halted_reason": state.halted_reason})
        return EXIT_OK

    return _with_vault(args, resume)


class LocalChainBroken(AgentDesktopError):
    def __init__(self, problem: str) -> None:
        super().__init__(f"The local audit outbox does not verify: {problem}.",
                         "Do not edit or restore the vault; tell IT/compliance. The server "
                         "keeps every event it has receipted.")
