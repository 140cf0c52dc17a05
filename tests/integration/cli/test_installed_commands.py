"""`agent-desktop` from the installed package: --version, self-test, doctor, no Qt headless."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agent_desktop import __version__
from agent_desktop.demo.certs import TestPKI
from agent_desktop.demo.kamailio import Kamailio


def agent_desktop(*args: str, env_home: Path, policy: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("agent-desktop", path=str(Path(sys.executable).parent))
    assert exe, "agent-desktop is not installed in this environment"
    import os

    env = dict(os.environ, AGENT_DESKTOP_HOME=str(env_home), AGENT_DESKTOP_POLICY=str(policy))
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=180, env=env)


def test_version(tmp_path: Path) -> None:
    proc = agent_desktop("--version", env_home=tmp_path, policy=tmp_path / "none.toml")
    assert proc.returncode == 0 and proc.stdout.strip() == f"agent-desktop {__version__}"


def test_self_test_passes_on_this_machine(tmp_path: Path, secret_service: str) -> None:
    proc = agent_desktop("self-test", env_home=tmp_path, policy=tmp_path / "none.toml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    for check in ("resources", "verification", "pjsua2", "sqlcipher", "keyring", "qt"):
        assert any(line.startswith(f"ok   {check}:") for line in lines), proc.stdout
    assert lines[-1] == "self-test: 6 passed, 0 failed"


def test_self_test_fails_without_a_secure_keyring(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env.update(AGENT_DESKTOP_HOME=str(tmp_path), AGENT_DESKTOP_POLICY=str(tmp_path / "none.toml"),
               DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent")
    proc = subprocess.run([sys.executable, "-m", "agent_desktop", "self-test"], capture_output=True,
                          text=True, timeout=180, env=env)
    assert proc.returncode == 1
    assert "FAIL keyring: No secure OS keyring" in proc.stdout


def test_doctor_reports_policy_tls_and_directories(
    tmp_path: Path, kamailio: Kamailio, pki: TestPKI, other_pki: TestPKI
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        f'[policy]\nlocked = ["sip.registrar"]\n'
        f'[sip]\nregistrar = "{kamailio.registrar}"\nca_bundle = "{pki.ca_file}"\n'
    )
    proc = agent_desktop("doctor", env_home=tmp_path / "home", policy=policy)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"policy file: {policy} (present)" in out
    assert f"sip.registrar = '{kamailio.registrar}' [policy, locked]" in out
    assert f"registrar: 127.0.0.1:{kamailio.tls_port} ok: TLSv1.2" in out or "ok: TLSv1.3" in out
    assert "certificate verified" in out
    assert "== Audio devices" in out and "data:" in out

    policy.write_text(f'[sip]\nregistrar = "{kamailio.registrar}"\nca_bundle = "{other_pki.ca_file}"\n')
    out = agent_desktop("doctor", env_home=tmp_path / "home", policy=policy).stdout
    assert "FAIL: certificate not trusted" in out


@pytest.mark.parametrize("command", [["policy", "show"], ["doctor", "--timeout", "1"], ["self-test"]])
def test_headless_commands_never_import_qt(tmp_path: Path, command: list[str]) -> None:
    code = (
        "import sys, runpy; sys.argv=['agent-desktop', *sys.argv[1:]];\n"
        "from agent_desktop.cli.main import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'\nprint('no-qt')"
    )
    import os

    env = dict(os.environ, AGENT_DESKTOP_HOME=str(tmp_path), AGENT_DESKTOP_POLICY=str(tmp_path / "p.toml"))
    proc = subprocess.run([sys.executable, "-c", code, *command], capture_output=True, text=True,
                          timeout=180, env=env)
    assert "no-qt" in proc.stdout, proc.stderr[-2000:]
