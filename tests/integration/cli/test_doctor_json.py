"""`agent-desktop doctor --json` for fleet monitoring: the documented schema, and an exit
code that says whether something needs IT (0 no, 1 yes, 2 the policy itself is broken)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from agent_desktop.cli.doctor import SCHEMA
from agent_desktop.demo.certs import TestPKI
from agent_desktop.demo.kamailio import Kamailio
from agent_desktop.policy import SETTINGS

CHECK_KEYS = {"name", "status", "detail", "hint"}


def doctor_json(tmp_path: Path, policy: str) -> tuple[int, dict[str, Any]]:
    (tmp_path / "policy.toml").write_text(policy)
    env = dict(os.environ, AGENT_DESKTOP_HOME=str(tmp_path / "home"),
               AGENT_DESKTOP_POLICY=str(tmp_path / "policy.toml"))
    proc = subprocess.run([sys.executable, "-m", "agent_desktop", "doctor", "--json", "--timeout", "5"],
                          capture_output=True, text=True, timeout=180, env=env)
    report = json.loads(proc.stdout)
    assert report["schema"] == SCHEMA and isinstance(report["needs_it"], bool)
    assert report["status"] in ("ok", "warn", "fail")
    for check in report["checks"]:
        assert set(check) == CHECK_KEYS and check["status"] in ("ok", "warn", "fail"), check
    return proc.returncode, report


def checks(report: dict[str, Any], status: str) -> dict[str, str]:
    return {c["name"]: c["detail"] for c in report["checks"] if c["status"] == status}


def test_healthy_workstation_exits_0_with_every_setting(
    tmp_path: Path, kamailio: Kamailio, pki: TestPKI, secret_service: str
) -> None:
    code, report = doctor_json(tmp_path, f'[policy]\nlocked = ["sip.registrar"]\n[sip]\n'
                                         f'registrar = "{kamailio.registrar}"\nca_bundle = "{pki.ca_file}"\n')
    assert code == 0 and report["needs_it"] is False, report
    ok = checks(report, "ok")
    assert {"policy", "keyring", "registrar", "audio", "directory.data"} <= set(ok)
    assert "certificate verified" in ok["registrar"]
    assert set(report["policy"]["settings"]) == set(SETTINGS)
    assert report["policy"]["settings"]["sip.registrar"] == {
        "value": kamailio.registrar, "source": "policy", "locked": True}
    assert checks(report, "warn") == {"audit_server": "not configured"}


def test_what_needs_it_exits_1_and_is_named(
    tmp_path: Path, kamailio: Kamailio, other_pki: TestPKI, secret_service: str
) -> None:
    missing = tmp_path / "audit-ca.pem"
    code, report = doctor_json(tmp_path, f'[sip]\nregistrar = "{kamailio.registrar}"\n'
                                         f'ca_bundle = "{other_pki.ca_file}"\n'
                                         f'[audit]\nserver_url = "https://127.0.0.1:1"\n'
                                         f'ca_bundle = "{missing}"\n')
    assert code == 1 and report["needs_it"] is True and report["status"] == "fail"
    failed = checks(report, "fail")
    assert "certificate not trusted" in failed["registrar"]
    assert failed["files"] == f"audit.ca_bundle: {missing} does not exist"
    assert "cannot be loaded" in failed["audit_server"]


def test_broken_policy_exits_2_and_still_reports(tmp_path: Path) -> None:
    code, report = doctor_json(tmp_path, "[sip]\nregistrar = 3\n")
    assert code == 2 and report["needs_it"] is True
    assert checks(report, "fail") == {"policy": f"{tmp_path / 'policy.toml'}: sip.registrar: "
                                                "expected a string, got a number"}
