"""Disk full and read-only storage give a clear VaultStorageError and lose nothing.

Real file systems, not patched calls: a size-limited tmpfs (full) and a read-only remount.
Mounting needs root (CAP_SYS_ADMIN), which the CI and the reference machine have.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_desktop.vault import VaultStorageError
from tests.support.vault_env import PASSWORD, VaultFactory


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "mnt"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a size-limited tmpfs needs root")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount)],
                   check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _factory_on(make_vault: VaultFactory, root: Path) -> VaultFactory:
    make_vault.home = root / "home"
    return make_vault


def test_disk_full_raises_a_storage_error_and_keeps_committed_rows(
        make_vault: VaultFactory, small_fs: Path) -> None:
    factory = _factory_on(make_vault, small_fs)
    vault = factory()
    vault.create(PASSWORD)
    vault.put_secret("kept", b"committed before the disk filled").result()
    with pytest.raises(VaultStorageError, match="disk holding the vault is full") as err:
        for n in range(10_000):
            vault.put_secret(f"filler-{n}", os.urandom(16_384)).result()
    assert "Free disk space" in str(err.value)
    assert vault.get_secret("kept").result() == b"committed before the disk filled"
    vault.lock()
    vault.unlock(PASSWORD)
    assert vault.get_secret("kept").result() == b"committed before the disk filled"


def test_read_only_storage_raises_a_storage_error_on_unlock_and_create(
        make_vault: VaultFactory, small_fs: Path) -> None:
    factory = _factory_on(make_vault, small_fs)
    vault = factory()
    vault.create(PASSWORD)
    vault.put_secret("kept", b"value").result()
    vault.lock()
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    try:
        with pytest.raises(VaultStorageError, match="read-only"):
            vault.unlock(PASSWORD)
        assert not vault.unlocked
        with pytest.raises(VaultStorageError, match="Read-only file system"):
            factory().create(PASSWORD)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_fs)], check=True)
    vault.unlock(PASSWORD)
    assert vault.get_secret("kept").result() == b"value"
