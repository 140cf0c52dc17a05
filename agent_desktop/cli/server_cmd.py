"""`agent-desktop server`: run the central audit server, manage its tokens, key and data.

FastAPI and uvicorn are imported only when the server actually runs, so the other
subcommands stay light and work without the ``server`` extra.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
from pathlib import Path
from typing import Any

from agent_desktop.cli.context import EXIT_CONFIG, EXIT_OK, CliContext
from agent_desktop.errors import AgentDesktopError


class ServerConfigError(AgentDesktopError):
    """The server's command-line options do not make a safe configuration."""


KEEP_ALIVE_SECONDS = 75  # idle client connections kept open (uvicorn's own default is 5)


def register(sub: Any) -> None:
    p = sub.add_parser("server", help="run the central audit server, or manage its tokens and data")
    _db_option(p, required=False)
    p.add_argument("--listen", default="127.0.0.1:8443", metavar="HOST:PORT",
                   help="address to listen on (default 127.0.0.1:8443)")
    p.add_argument("--tls-cert", type=Path, help="PEM certificate chain (TLS 1.2 minimum)")
    p.add_argument("--tls-key", type=Path, help="PEM private key of the certificate")
    p.add_argument("--signing-key", type=Path,
                   help="Ed25519 receipt key (default: created once beside a SQLite database)")
    p.add_argument("--directory-data", type=Path, metavar="FILE",
                   help="serve the FHIR directory subset (/fhir/Patient...) from this file")
    p.add_argument("--directory-rate", type=float, default=None, metavar="PER_MINUTE",
                   help="directory requests a device may make per minute (default 300; bursts up to it)")
    p.add_argument("--grant-ttl", type=int, default=60, metavar="SECONDS",
                   help="lifetime of monitor grants (default 60)")
    p.add_argument("--presence-timeout", type=float, default=None, metavar="SECONDS",
                   help="show an agent whose client has not reported for this long as offline "
                        "(default 45: three of the client's 15 s heartbeats)")
    p.add_argument("--retention-days", type=int, default=None, metavar="DAYS",
                   help="refuse events older than this (default 2196, six years; match `purge --keep-days`)")
    p.add_argument("--keep-alive", type=int, default=KEEP_ALIVE_SECONDS, metavar="SECONDS",
                   help="keep an idle client connection open this long (default 75: longer than "
                        "the clients' 15 s heartbeat and the rosters' refresh, so they reuse it)")
    p.add_argument("--access-log", action="store_true", help="log every request line")
    p.set_defaults(func=run_server)
    actions = p.add_subparsers(dest="server_action", metavar="ACTION")

    token = actions.add_parser("token", help="create, list and revoke tokens").add_subparsers(
        dest="token_action", metavar="ACTION", required=True)
    create = token.add_parser("create", help="print a new token once (only its hash is stored)")
    _db_option(create)
    create.add_argument("--role", required=True, choices=("enroll", "auditor", "admin", "team_lead"))
    create.add_argument("--agent", metavar="ID", help="agent id (enroll: the device's agent; team_lead: the lead)")
    create.add_argument("--team", metavar="T", help="team of the agent or team lead")
    create.add_argument("--user-role", choices=("agent", "team_lead", "admin"), default="agent",
                        help="role of the enrolled agent (enroll tokens; default agent)")
    create.add_argument("--expires-hours", type=float, metavar="H",
                        help="expiry (default: enroll 72 h, others none)")
    create.add_argument("--json", action="store_true", help="print {token, role, ...} as JSON")
    create.set_defaults(func=run_token_create)
    listing = token.add_parser("list", help="list tokens by id (never the tokens themselves)")
    _db_option(listing)
    listing.set_defaults(func=run_token_list)
    revoke = token.add_parser("revoke", help="revoke a token of any role at once (audited)")
    _db_option(revoke)
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", metavar="HEX", help="the token's id from `token list` (8+ hex digits)")
    which.add_argument("--token", help="the token itself")
    revoke.add_argument("--reason", help="why (kept in the server log)")
    revoke.set_defaults(func=run_token_revoke)

    keygen = actions.add_parser("keygen", help="write a new Ed25519 receipt key and print its public key")
    keygen.add_argument("--out", type=Path, required=True, help="key file to create (0600)")
    keygen.set_defaults(func=run_keygen)

    migrate = actions.add_parser("migrate", help="create or upgrade the database schema")
    _db_option(migrate)
    migrate.set_defaults(func=run_migrate)

    purge = actions.add_parser("purge", help="delete events older than the retention period (audited)")
    _db_option(purge)
    purge.add_argument("--keep-days", type=int, default=None,
                       help="retention in days (default 2196, six years)")
    purge.add_argument("--dry-run", action="store_true", help="count only")
    purge.set_defaults(func=run_purge)

    report = actions.add_parser("report", help="compliance reports from the audit trail").add_subparsers(
        dest="report_action", metavar="REPORT", required=True)
    who = report.add_parser("who-saw", help="who saw this patient's data, when, after which verification")
    _db_option(who)
    who.add_argument("--patient", required=True, metavar="REF", help="the patient's opaque reference")
    who.add_argument("--json", action="store_true", help="print the report as JSON")
    who.set_defaults(func=run_who_saw)


def _db_option(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--db", required=required, metavar="URL",
                   help="sqlite:///path/audit.db or postgresql://user@host/db")


def _default_db() -> str:
    ctx = CliContext.create(log_to_file=False)
    ctx.paths.ensure()
    return f"sqlite:///{ctx.paths.data / 'audit-server.db'}"


def _open(url: str) -> Any:
    from agent_desktop.server.db import open_database
    from agent_desktop.server.migrations import migrate

    db = open_database(url)
    migrate(db)
    return db


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535 or not host:
        raise ServerConfigError(f"--listen {text!r} is not HOST:PORT", "e.g. --listen 127.0.0.1:8443")
    return host.strip("[]"), int(port)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def signing_key_path(args: argparse.Namespace, db: Any) -> Path:
    if args.signing_key:
        return Path(args.signing_key)
    if db.kind == "sqlite":
        return Path(str(db.path) + ".receipt-key.pem")
    raise ServerConfigError("a PostgreSQL server needs --signing-key FILE",
                            "Every server process of the fleet must sign with the same key; create it "
                            "once with `agent-desktop server keygen --out FILE`.")


def run_server(args: argparse.Namespace) -> int:
    import gc
    import ssl

    import uvicorn

    from agent_desktop.server.app import create_app
    from agent_desktop.server.context import ServerContext
    from agent_desktop.server.keys import load_key, load_or_create_key

    host, port = parse_listen(args.listen)
    tls = bool(args.tls_cert or args.tls_key)
    if tls and not (args.tls_cert and args.tls_key):
        raise ServerConfigError("give both --tls-cert and --tls-key")
    if not tls and not _is_loopback(host):
        raise ServerConfigError(f"refusing plain HTTP on {host}",
                                "Listen on 127.0.0.1 or give --tls-cert and --tls-key.")
    if args.directory_data is not None and not args.directory_data.is_file():
        raise ServerConfigError(f"--directory-data {args.directory_data}: no such file")
    db = _open(args.db or _default_db())
    key_path = signing_key_path(args, db)
    signer = load_key(key_path) if args.signing_key else load_or_create_key(key_path)
    ctx = ServerContext(db=db, signer=signer, grant_ttl_s=args.grant_ttl)
    if args.presence_timeout is not None:
        if not 1 <= args.presence_timeout <= 3600:
            raise ServerConfigError("--presence-timeout must be between 1 and 3600 seconds",
                                    "Keep it a few times the clients' presence.heartbeat_seconds.")
        ctx.presence_timeout_s = args.presence_timeout
    if args.retention_days is not None:
        if args.retention_days < 1:
            raise ServerConfigError("--retention-days must be at least 1")
        ctx.retention_days = args.retention_days
    if args.directory_rate is not None:
        if args.directory_rate <= 0:
            raise ServerConfigError("--directory-rate must be above 0")
        ctx.directory_rate_per_minute = args.directory_rate
    if not 1 <= args.keep_alive <= 3600:
        raise ServerConfigError("--keep-alive must be between 1 and 3600 seconds",
                                "Keep it above the clients' presence.heartbeat_seconds.")
    app = create_app(ctx, directory_data=args.directory_data)
    # uvicorn's own default (5 s) closes a workstation's connection between two heartbeats, and
    # a team lead's grant request after a pause then pays a new TCP + TLS handshake first
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=args.access_log,
                            timeout_keep_alive=args.keep_alive,
                            ssl_certfile=str(args.tls_cert) if tls else None,
                            ssl_keyfile=str(args.tls_key) if tls else None,
                            timeout_graceful_shutdown=5, server_header=False)
    try:
        config.load()
    except (OSError, ssl.SSLError) as err:
        raise ServerConfigError(f"cannot load the TLS certificate or key: {err}",
                                "Check --tls-cert/--tls-key (PEM, matching pair).") from err
    if config.ssl is not None:
        config.ssl.minimum_version = ssl.TLSVersion.TLSv1_2
    scheme = "https" if tls else "http"
    print(f"audit server on {scheme}://{host}:{port} ({db.kind}); receipt key {signer.public_key_hex}",
          flush=True)
    # Everything made so far (modules, the app, its routes and models) lives as long as the
    # process: frozen, it is no longer walked by every full garbage collection. Each batch
    # parses thousands of objects that survive into the oldest generation, which made a full
    # collection of the whole heap (tens of ms) every few dozen batches.
    gc.collect()
    gc.freeze()
    try:
        uvicorn.Server(config).run()
    finally:
        db.close()
    return EXIT_OK


def run_token_create(args: argparse.Namespace) -> int:
    import time

    from agent_desktop.audit.event import utc_timestamp
    from agent_desktop.server.tokens import create_token

    if args.role in ("enroll", "team_lead") and not args.agent:
        print(f"agent-desktop: a {args.role} token needs --agent ID", file=sys.stderr)
        return EXIT_CONFIG
    if args.role == "team_lead" and not args.team:
        print("agent-desktop: a team_lead token needs --team T", file=sys.stderr)
        return EXIT_CONFIG
    hours = args.expires_hours if args.expires_hours is not None else (72 if args.role == "enroll" else None)
    expires = utc_timestamp(time.time() + hours * 3600) if hours else None
    db = _open(args.db)
    try:
        token = create_token(db, args.role, agent_id=args.agent, team=args.team,
                             user_role=args.user_role if args.role == "enroll" else None,
                             expires_at=expires)
    finally:
        db.close()
    if args.json:
        from agent_desktop.server.tokens import token_hash

        print(json.dumps({"token": token, "id": token_hash(token)[:16], "role": args.role, "agent": args.agent,
                          "team": args.team, "expires_at": expires}))
    else:
        print(token)
    return EXIT_OK


def run_token_list(args: argparse.Namespace) -> int:
    from agent_desktop.server.tokens import list_tokens

    db = _open(args.db)
    try:
        for row in list_tokens(db):
            print(json.dumps(row))
    finally:
        db.close()
    return EXIT_OK


def run_token_revoke(args: argparse.Namespace) -> int:
    from agent_desktop.server.tokens import revoke_token

    db = _open(args.db)
    try:
        result = revoke_token(db, token=args.token, token_id=args.id, reason=args.reason)
    finally:
        db.close()
    print(json.dumps(result))
    return EXIT_OK


def run_keygen(args: argparse.Namespace) -> int:
    from agent_desktop.server.keys import write_key

    signer = write_key(args.out)
    print(signer.public_key_hex)
    return EXIT_OK


def run_migrate(args: argparse.Namespace) -> int:
    from agent_desktop.server.migrations import LATEST

    _open(args.db).close()
    print(f"schema at version {LATEST}")
    return EXIT_OK


def run_purge(args: argparse.Namespace) -> int:
    from agent_desktop.server.context import DEFAULT_RETENTION_DAYS
    from agent_desktop.server.retention import purge

    keep = args.keep_days if args.keep_days is not None else DEFAULT_RETENTION_DAYS
    if keep < 1:
        print("agent-desktop: --keep-days must be at least 1", file=sys.stderr)
        return EXIT_CONFIG
    db = _open(args.db)
    try:
        result = purge(db, keep_days=keep, dry_run=args.dry_run, actor="cli")
    finally:
        db.close()
    print(json.dumps(result))
    return EXIT_OK


def run_who_saw(args: argparse.Namespace) -> int:
    from agent_desktop.server.queries import EventFilter, iter_events
    from agent_desktop.server.who_saw import as_text, who_saw

    db = _open(args.db)
    try:
        report = who_saw(args.patient, iter_events(db, EventFilter(patient=args.patient)))
    finally:
        db.close()
    print(json.dumps(report, indent=1) if args.json else as_text(report))
    return EXIT_OK
