"""Vault events on the core bus (the UI clears every PHI widget on VaultLocked)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VaultUnlocked:
    profile: str


@dataclass(frozen=True)
class VaultLocked:
    profile: str
    reason: str


@dataclass(frozen=True)
class VaultWiped:
    profile: str


@dataclass(frozen=True)
class UnlockFailed:
    profile: str
    failures: int
    retry_after_seconds: float
