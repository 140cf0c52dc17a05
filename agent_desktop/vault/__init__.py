"""The secure vault: SQLCipher cache keyed through the OS keyring (docs/vault.md)."""

from agent_desktop.vault.crypto import DEFAULT_SCRYPT, ScryptParams
from agent_desktop.vault.errors import (
    DeviceSecretMissing,
    HeaderTampered,
    InsecureKeyringError,
    UnlockThrottled,
    VaultCorrupted,
    VaultError,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    VaultStorageError,
    VaultTooNew,
    WeakPassword,
    WrongPassword,
)
from agent_desktop.vault.idle import IdleTracker
from agent_desktop.vault.migrations import MIGRATIONS, Migration
from agent_desktop.vault.phi_cache import CachedEntry, PhiCache
from agent_desktop.vault.vault import UnlockTiming, Vault, VaultStatus

__all__ = [
    "DEFAULT_SCRYPT",
    "MIGRATIONS",
    "CachedEntry",
    "DeviceSecretMissing",
    "HeaderTampered",
    "IdleTracker",
    "InsecureKeyringError",
    "Migration",
    "PhiCache",
    "ScryptParams",
    "UnlockThrottled",
    "UnlockTiming",
    "Vault",
    "VaultCorrupted",
    "VaultError",
    "VaultExists",
    "VaultLocked",
    "VaultNotFound",
    "VaultStatus",
    "VaultStorageError",
    "VaultTooNew",
    "WeakPassword",
    "WrongPassword",
]
