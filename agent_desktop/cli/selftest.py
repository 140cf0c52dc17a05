"""`agent-desktop self-test`: proves on this machine that the secure building blocks work.

IT and the packaged build run it after installing. One line per check; exit 0 only when
every check passes.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent_desktop.cli.context import EXIT_FAIL, EXIT_OK, CliContext, qt_environment, self_argv
from agent_desktop.errors import AgentDesktopError

Check = Callable[[CliContext], str]


def register(sub: Any) -> None:
    p = sub.add_parser("self-test", help="check that pjsua2, SQLCipher, the keyring and Qt work here")
    p.set_defaults(func=run)


def check_pjsua2(ctx: CliContext) -> str:
    from agent_desktop.phone.probe import probe_pjsua2

    ca = ctx.settings.get("sip.ca_bundle")
    result = probe_pjsua2(Path(ca) if ca else None)
    if not (result.tls_transport and result.verify_server):
        raise AgentDesktopError("pjsua2 created a TLS transport but server verification did not take effect")
    return f"pjsua2 {result.pjsip_version}: TLS transport with server verification"


def check_sqlcipher(ctx: CliContext) -> str:
    import sqlcipher3

    marker = "selftest-plaintext-" + secrets.token_hex(8)
    key = secrets.token_hex(32)
    with tempfile.TemporaryDirectory(prefix="agent-desktop-selftest-") as tmp:
        path = os.path.join(tmp, "probe.db")
        conn = sqlcipher3.connect(path)
        conn.execute(f"PRAGMA key = \"x'{key}'\"")
        version = conn.execute("PRAGMA cipher_version").fetchone()
        conn.execute("CREATE TABLE t (v TEXT)")
        conn.execute("INSERT INTO t VALUES (?)", (marker,))
        conn.commit()
        conn.close()
        raw = Path(path).read_bytes()
        if raw.startswith(b"SQLite format 3") or marker.encode() in raw:
            raise AgentDesktopError("SQLCipher wrote plaintext to disk", "Reinstall the sqlcipher3 package.")
        wrong = sqlcipher3.connect(path)
        wrong.execute("PRAGMA cipher_log_level = NONE")  # the expected failure is not news
        wrong.execute(f"PRAGMA key = \"x'{secrets.token_hex(32)}'\"")
        try:
            wrong.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            pass
        else:
            raise AgentDesktopError("SQLCipher opened a database with the wrong key")
        finally:
            wrong.close()
    if not version or not version[0]:
        raise AgentDesktopError("SQLCipher did not report a cipher version")
    return f"SQLCipher {version[0]}: file is ciphertext, wrong key rejected"


def check_keyring(ctx: CliContext) -> str:
    from agent_desktop.vault.keyring_backend import backend_name, secure_backend

    backend = secure_backend(ctx.settings.get("vault.keyring_backend"))
    return f"keyring: {backend_name(backend)}"


def check_qt(ctx: CliContext) -> str:
    proc = subprocess.run([*self_argv(), "qt-probe"], capture_output=True, text=True, timeout=60,
                          env=qt_environment(offscreen=not os.environ.get("DISPLAY")))
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise AgentDesktopError(f"Qt could not open a window: {tail[0]}",
                                "Install the Qt runtime libraries (see README).")
    return proc.stdout.strip() or "Qt opened a window"


def check_resources(ctx: CliContext) -> str:
    from agent_desktop.resources import check_bundled_resources

    return check_bundled_resources()


def check_verification(ctx: CliContext) -> str:
    from agent_desktop.verify.script import load_configured_script

    script = load_configured_script(str(ctx.settings.get("verification.script")))
    return f"verification script {script.name!r} v{script.version}: {len(script.caller_types)} caller types"


CHECKS: list[tuple[str, Check]] = [
    ("resources", check_resources),
    ("verification", check_verification),
    ("pjsua2", check_pjsua2),
    ("sqlcipher", check_sqlcipher),
    ("keyring", check_keyring),
    ("qt", check_qt),
]


def run(args: argparse.Namespace) -> int:
    ctx = CliContext.create()
    failed = 0
    for name, check in CHECKS:
        try:
            detail = check(ctx)
        except Exception as err:  # noqa: BLE001 - a self-test reports every failure and goes on
            failed += 1
            print(f"FAIL {name}: {err}")
        else:
            print(f"ok   {name}: {detail}")
    print(f"self-test: {len(CHECKS) - failed} passed, {failed} failed")
    return EXIT_OK if failed == 0 else EXIT_FAIL
