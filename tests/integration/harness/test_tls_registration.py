"""The harness itself: a pjsua2 account registers over TLS through the real Kamailio with
server verification on, and is refused when the server certificate is from another CA."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from agent_desktop.demo.certs import TestPKI
from agent_desktop.demo.kamailio import DEFAULT_USERS, Kamailio

ROOT = Path(__file__).resolve().parents[3]


def register(kam: Kamailio, user: str, password: str, ca: Path) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.support.pj_register", kam.registrar, user, password, str(ca)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_registers_over_tls_with_server_verification(kamailio: Kamailio, pki: TestPKI) -> None:
    result = register(kamailio, "agent", DEFAULT_USERS["agent"], pki.ca_file)
    assert result == {"code": 200, "reason": "OK", "active": True}


def test_server_certificate_from_another_ca_is_refused(kamailio: Kamailio, other_pki: TestPKI) -> None:
    result = register(kamailio, "agent", DEFAULT_USERS["agent"], other_pki.ca_file)
    assert result["active"] is False
    assert "certificate" in str(result["reason"]).lower()


def test_wrong_password_is_refused(kamailio: Kamailio, pki: TestPKI) -> None:
    result = register(kamailio, "agent", "not-the-password", pki.ca_file)
    assert result["active"] is False
    assert result["code"] in (401, 403)
