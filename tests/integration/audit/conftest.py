"""Fixtures for the audit trail: a real Vault (real Secret Service), a bus, a recorder,
settings from a policy file, and the real reference audit server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.bus import EventBus
from agent_desktop.paths import AppPaths
from agent_desktop.policy import Settings, load_settings
from agent_desktop.vault import Vault, crypto
from agent_desktop.vault import header as header_file
from agent_desktop.vault.device_secret import DeviceSecretStore
from agent_desktop.vault.keyring_backend import secure_backend
from tests.support.audit_server import audit_server, audit_server_factory  # noqa: F401 - fixtures
from tests.support.vault_env import PASSWORD, VaultFactory

USER, ROLE = "agent-007", "agent"


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def vaults(agent_home: Path, secret_service: str) -> Iterator[VaultFactory]:
    factory = VaultFactory(agent_home, Path(os.environ["AGENT_DESKTOP_POLICY"]))
    try:
        yield factory
    finally:
        factory.cleanup()


@pytest.fixture
def vault(vaults: VaultFactory, bus: EventBus) -> Vault:
    return vaults(bus=bus)


@pytest.fixture
def device_id() -> str:
    return "dev-" + os.urandom(6).hex()


@pytest.fixture
def recorder(vault: Vault, bus: EventBus, device_id: str) -> AuditRecorder:
    """A recorder on a freshly created (so unlocked) vault: seq 1 is its ``vault.unlock``."""
    rec = AuditRecorder(vault, bus, device_id=device_id, user=USER, role=ROLE)
    vault.create(PASSWORD)
    return rec


@pytest.fixture
def reopen_vault(vaults: VaultFactory, vault: Vault, bus: EventBus, device_id: str
                 ) -> Callable[[], tuple[Vault, AuditRecorder]]:
    """An application restart: close the vault, open it again with a new recorder."""
    def reopen() -> tuple[Vault, AuditRecorder]:
        vault.close()
        again = vaults(vault.profile, bus=bus)
        rec = AuditRecorder(again, bus, device_id=device_id, user=USER, role=ROLE)
        again.unlock(PASSWORD)
        return again, rec
    return reopen


def vault_key(vault: Vault, password: str = PASSWORD) -> bytes:
    """The DEK, derived the way an insider with the password and this device would."""
    secret = DeviceSecretStore(secure_backend(), vault.profile).load()
    assert secret is not None
    head = header_file.read(vault.header_path, crypto.subkey(secret, crypto.HEADER_MAC_INFO),
                            vault.profile)
    dek = crypto.unwrap(crypto.derive_kek(password, head.salt, head.kdf, secret), head.nonce,
                        head.wrapped_dek, head.aad())
    assert dek is not None
    return bytes(dek)


def open_raw(vault: Vault) -> Any:
    """A direct SQLCipher connection to the vault file with its key (for tampering)."""
    conn = sqlcipher3.connect(str(vault.db_path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{vault_key(vault).hex()}'\"")
    return conn


def write_policy(agent_home: Path, **audit: Any) -> Settings:
    lines = ["[audit]"]
    for key, value in audit.items():
        lines.append(f"{key} = {value!r}".replace("'", '"'))
    Path(os.environ["AGENT_DESKTOP_POLICY"]).write_text("\n".join(lines) + "\n")
    return load_settings(AppPaths.from_env())


__all__ = ["PASSWORD", "open_raw", "vault_key", "write_policy"]
