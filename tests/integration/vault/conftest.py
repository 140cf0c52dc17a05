from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.vault_env import VaultFactory


@pytest.fixture
def make_vault(agent_home: Path, secret_service: str, tmp_path: Path) -> Iterator[VaultFactory]:
    """Builds vaults under an isolated home against the real Secret Service; at teardown
    closes them and deletes every keyring entry they made."""
    factory = VaultFactory(agent_home, tmp_path / "policy.toml")
    try:
        yield factory
    finally:
        factory.cleanup()
