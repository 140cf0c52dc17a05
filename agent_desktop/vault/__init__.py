"""The secure vault: SQLCipher cache keyed through the OS keyring (docs/vault.md).

Its names load on first use (PEP 562): the sign-in window imports the password rules
from here and must not wait for SQLCipher, keyring and scrypt to import before it paints.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_WHERE = {
    "DEFAULT_SCRYPT": "crypto",
    "ScryptParams": "crypto",
    "DeviceSecretMissing": "errors",
    "HeaderTampered": "errors",
    "InsecureKeyringError": "errors",
    "UnlockThrottled": "errors",
    "VaultCorrupted": "errors",
    "VaultError": "errors",
    "VaultExists": "errors",
    "VaultLocked": "errors",
    "VaultNotFound": "errors",
    "VaultStorageError": "errors",
    "VaultTooNew": "errors",
    "WeakPassword": "errors",
    "WrongPassword": "errors",
    "IdleTracker": "idle",
    "MIGRATIONS": "migrations",
    "Migration": "migrations",
    "CachedEntry": "phi_cache",
    "PhiCache": "phi_cache",
    "UnlockTiming": "vault",
    "Vault": "vault",
    "VaultStatus": "vault",
}

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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
