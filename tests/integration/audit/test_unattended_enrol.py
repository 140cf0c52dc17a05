"""Enrolment without anyone typing the token: from the command line, standard input or the
per-user token file, which is deleted once the server has used or refused it; never logged."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from agent_desktop.audit.credentials import CredentialStore, DeviceCredentials
from agent_desktop.audit.enrol_token import enrol_unattended, token_file
from agent_desktop.paths import AppPaths
from agent_desktop.vault.keyring_backend import secure_backend
from tests.integration.audit.conftest import write_policy
from tests.support.audit_server import AuditServer
from tests.support.ports import free_port
from tests.support.vault_env import unique_profile


@pytest.fixture
def profiles(secret_service: str) -> Iterator[list[str]]:
    names = [unique_profile() for _ in range(2)]
    yield names
    for name in names:
        CredentialStore(secure_backend(), name).delete()


def enroll_cli(profile: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent_desktop", "audit", "--profile", profile,
                           "enroll", *args], input=stdin, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ))


def drop_token(agent_home: Path, token: str, mode: int = 0o600) -> Path:
    """What IT's provisioning does: the token alone in the agent's own config folder."""
    path = token_file(AppPaths.from_env())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n")
    path.chmod(mode)
    return path


def written_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_token_file_enrols_once_and_is_deleted_never_logged(
    audit_server: AuditServer, agent_home: Path, profiles: list[str]
) -> None:
    write_policy(agent_home, server_url=audit_server.base_url, ca_bundle=str(audit_server.ca_file))
    token = audit_server.token("enroll", agent="agent-007", team="blue")

    exposed = drop_token(agent_home, token, mode=0o644)
    done = enroll_cli(profiles[0])
    assert done.returncode == 1 and "readable by other users" in done.stderr
    assert exposed.exists() and CredentialStore(secure_backend(), profiles[0]).load() is None

    path = drop_token(agent_home, token)
    done = enroll_cli(profiles[0])  # no option, no terminal: the file IT left
    assert done.returncode == 0, done.stderr
    creds = CredentialStore(secure_backend(), profiles[0]).require()
    assert creds.device_id in done.stdout and not path.exists()
    assert token not in done.stdout + done.stderr
    assert written_files(agent_home), "the CLI wrote no log: the leak check would prove nothing"
    for file in written_files(agent_home):
        assert token.encode() not in file.read_bytes(), file

    path = drop_token(agent_home, token)  # the same token again: spent, so the file goes
    done = enroll_cli(profiles[1])
    assert done.returncode == 1 and "refused the enrolment token" in done.stderr
    assert not path.exists() and CredentialStore(secure_backend(), profiles[1]).load() is None


def test_token_on_the_command_line_and_the_policy_receipt_key(
    audit_server: AuditServer, agent_home: Path, profiles: list[str]
) -> None:
    write_policy(agent_home, server_url=audit_server.base_url, ca_bundle=str(audit_server.ca_file),
                 receipt_public_key="ab" * 32)
    token = audit_server.token("enroll", agent="agent-8", team="blue")
    done = enroll_cli(profiles[0], "--token", token)
    assert done.returncode == 1 and "receipt key is not the one the policy names" in done.stderr
    assert CredentialStore(secure_backend(), profiles[0]).load() is None

    write_policy(agent_home, server_url=audit_server.base_url, ca_bundle=str(audit_server.ca_file),
                 receipt_public_key=audit_server.public_key_hex)
    done = enroll_cli(profiles[1], "--token", audit_server.token("enroll", agent="agent-9"))
    assert done.returncode == 0, done.stderr
    assert CredentialStore(secure_backend(), profiles[1]).require().agent_id == "agent-9"


def test_file_stays_when_the_server_cannot_be_reached(agent_home: Path, profiles: list[str]) -> None:
    write_policy(agent_home, server_url=f"http://127.0.0.1:{free_port()}")
    path = drop_token(agent_home, "adt_unused")
    done = enroll_cli(profiles[0])
    assert done.returncode == 1 and "cannot reach the audit server" in done.stderr
    assert path.exists(), "the next start must be able to try again"


def test_first_start_uses_the_file_only_when_not_enrolled(
    audit_server: AuditServer, agent_home: Path, profiles: list[str]
) -> None:
    paths, store = AppPaths.from_env(), CredentialStore(secure_backend(), profiles[0])
    args = (audit_server.base_url, store, requests.Session())
    assert enrol_unattended(paths, *args, verify=audit_server.verify) is None  # no file: nothing
    path = drop_token(agent_home, audit_server.token("enroll", agent="agent-10"))
    creds = enrol_unattended(paths, *args, verify=audit_server.verify)
    assert isinstance(creds, DeviceCredentials) and creds.agent_id == "agent-10" and not path.exists()

    stale = drop_token(agent_home, audit_server.token("enroll", agent="agent-10"))
    assert enrol_unattended(paths, *args, verify=audit_server.verify) is None
    assert not stale.exists() and store.require().device_id == creds.device_id
