"""`agent-desktop server ...` from the installed package: tokens, keys, safety checks, purge."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from agent_desktop.audit.event import utc_timestamp
from agent_desktop.demo.certs import TestPKI
from agent_desktop.server.tokens import token_hash
from tests.support.audit_server import AuditServer, make_chain
from tests.support.ports import free_port


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent_desktop", "server", *args], capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_token_create_prints_the_token_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    done = cli("token", "create", "--db", url, "--role", "enroll", "--agent", "agent-3", "--team", "red")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert token.startswith("adt_") and len(token) > 40
    with sqlite3.connect(tmp_path / "a.db") as conn:
        rows = conn.execute("SELECT token_hash, role, agent_id, team, expires_at FROM tokens").fetchall()
    assert [r[:4] for r in rows] == [(token_hash(token), "enroll", "agent-3", "red")]
    assert rows[0][4] is not None  # enrolment tokens expire
    for path in tmp_path.iterdir():
        assert token.encode() not in path.read_bytes()
    missing_agent = cli("token", "create", "--db", url, "--role", "enroll")
    assert missing_agent.returncode == 2 and "--agent" in missing_agent.stderr
    as_json = json.loads(cli("token", "create", "--db", url, "--role", "auditor", "--json").stdout)
    assert as_json["role"] == "auditor" and as_json["expires_at"] is None


def test_keygen_writes_a_private_key_and_prints_its_public_half(tmp_path: Path) -> None:
    done = cli("keygen", "--out", str(tmp_path / "receipt.pem"))
    assert done.returncode == 0
    assert len(done.stdout.strip()) == 64 and (tmp_path / "receipt.pem").stat().st_mode & 0o777 == 0o600
    again = cli("keygen", "--out", str(tmp_path / "receipt.pem"))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_server_refuses_plain_http_off_loopback_and_half_tls_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    public = cli("--db", url, "--listen", f"0.0.0.0:{free_port()}")
    assert public.returncode == 1 and "refusing plain HTTP" in public.stderr
    half = cli("--db", url, "--listen", f"127.0.0.1:{free_port()}", "--tls-cert", str(tmp_path / "x.pem"))
    assert half.returncode == 1 and "both --tls-cert and --tls-key" in half.stderr
    bad = cli("--db", url, "--listen", "nowhere")
    assert bad.returncode == 1 and "HOST:PORT" in bad.stderr
    no_dir = cli("--db", url, "--directory-data", str(tmp_path / "nope.json"))
    assert no_dir.returncode == 1 and "no such file" in no_dir.stderr


def test_without_a_signing_key_the_server_creates_one_beside_the_database_and_keeps_it(tmp_path: Path) -> None:
    db_path = tmp_path / "audit.db"
    port = free_port()
    keys = []
    for _ in range(2):
        proc = subprocess.Popen([sys.executable, "-m", "agent_desktop", "server", "--db", f"sqlite:///{db_path}",
                                 "--listen", f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            for _ in range(150):
                try:
                    keys.append(requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).json()
                                ["receipt_public_key"])
                    break
                except requests.RequestException:
                    if proc.poll() is not None:
                        raise AssertionError(proc.stdout.read() if proc.stdout else b"") from None
                    time.sleep(0.1)
        finally:
            proc.terminate()
            proc.wait(10)
    key_file = Path(str(db_path) + ".receipt-key.pem")
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(keys) == 2 and keys[0] == keys[1]


def test_https_server_negotiates_tls_1_2_or_later(audit_server: AuditServer) -> None:
    import socket
    import ssl

    context = ssl.create_default_context(cafile=str(audit_server.ca_file))
    with socket.create_connection(("127.0.0.1", audit_server.port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname="localhost") as tls:
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
    # a client that offers only TLS 1.0/1.1 (security level 0, so the refusal is the server's)
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(str(audit_server.ca_file))
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    with socket.create_connection(("127.0.0.1", audit_server.port), timeout=5) as raw, \
            pytest.raises(ssl.SSLError):
        old.wrap_socket(raw, server_hostname="localhost")


def closed_by_server_within(server: AuditServer, seconds: float) -> bool:
    """One request on a TLS connection, then wait (up to ``seconds``) for the server to close
    it while idle; if it stays open, a second request on it must be answered."""
    import http.client
    import select
    import ssl

    context = ssl.create_default_context(cafile=str(server.ca_file))
    conn = http.client.HTTPSConnection("localhost", server.port, context=context, timeout=10)
    try:
        conn.request("GET", "/healthz")
        assert conn.getresponse().read()
        assert conn.sock is not None
        readable, _, _ = select.select([conn.sock], [], [], seconds)  # EOF (or close_notify)
        if readable:
            return True
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
        return False
    finally:
        conn.close()


def test_an_idle_client_connection_outlives_uvicorns_five_seconds_and_the_option_sets_it(
        audit_server_factory: Callable[..., AuditServer], pki: TestPKI) -> None:
    # a workstation reports every 15 s and a team lead asks for a grant after a pause: a
    # closed connection would cost each of them a new TCP + TLS handshake first
    assert not closed_by_server_within(audit_server_factory(pki=pki), 6.0)
    assert closed_by_server_within(audit_server_factory(pki=pki, extra_args=["--keep-alive", "1"]), 10.0)


def test_purge_deletes_expired_events_and_is_itself_audited(audit_server: AuditServer) -> None:
    device = audit_server.enroll("agent-1")
    old_ts = utc_timestamp(dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
    old = make_chain(device["device_id"], 3, ts=old_ts)
    new = make_chain(device["device_id"], 2, start_seq=4, prev_hash=old[-1]["hash"])
    r = audit_server.session(device["device_token"]).post(
        audit_server.url("/v1/audit/batches"), json={"device_id": device["device_id"], "events": old + new},
        timeout=10)
    assert r.status_code == 200
    done = cli("purge", "--db", audit_server.db_url, "--keep-days", "30")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["deleted"] == 3
    auditor = audit_server.session(audit_server.token("auditor"))
    verdict = auditor.get(audit_server.url("/v1/audit/verify"), params={"device_id": device["device_id"]},
                          timeout=10).json()
    assert (verdict["status"], verdict["first_seq"], verdict["events"]) == ("intact", 4, 2)
    with sqlite3.connect(audit_server.directory / "audit.db") as conn:
        logged = conn.execute("SELECT actor, detail FROM server_log WHERE action = 'events.purge'").fetchall()
    assert logged and json.loads(logged[0][1])["deleted"] == 3
