from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest

from agent_desktop.vault.keyring_backend import secure_backend
from tests.support.vault_env import VaultFactory


@pytest.fixture(scope="session")
def usable_keyring(secret_service: str) -> str:
    """The Secret Service is up AND its default collection opens (a probe entry round-trips).

    A login keyring left on disk with another password stays locked; say so instead of
    failing every test with the vault's (correct) "keyring could not be read" error.
    """
    try:
        secure_backend().set_password("agent-desktop-test-probe", "probe", "ok")
        ok = secure_backend().get_password("agent-desktop-test-probe", "probe") == "ok"
        secure_backend().delete_password("agent-desktop-test-probe", "probe")
    except keyring.errors.KeyringError as err:
        pytest.fail(f"the Secret Service's default collection is locked or unusable ({err}). "
                    "A login keyring from another session (~/.local/share/keyrings) with a "
                    "different password cannot be unlocked by scripts/with-keyring; run with "
                    "XDG_DATA_HOME=$(mktemp -d) ./scripts/test ...")
    assert ok, "the Secret Service did not return the probe entry"
    return secret_service


@pytest.fixture
def make_vault(agent_home: Path, usable_keyring: str, tmp_path: Path) -> Iterator[VaultFactory]:
    """Builds vaults under an isolated home against the real Secret Service; at teardown
    closes them and deletes every keyring entry they made."""
    factory = VaultFactory(agent_home, tmp_path / "policy.toml")
    try:
        yield factory
    finally:
        factory.cleanup()
