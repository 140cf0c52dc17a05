"""Bus events of the audit trail (frozen dataclasses, published from any thread)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AuditRecorded:
    """An event is durably in the outbox (no PHI: seq and action only)."""

    seq: int
    action: str


@dataclass(frozen=True)
class AuditSyncStatus:
    """What the UI shows about the audit link; ``last_sync`` is RFC 3339 UTC or None."""

    online: bool
    backlog: int | None
    last_sync: str | None
    last_error: str | None
    halted: bool = False
    enrolled: bool = True


@dataclass(frozen=True)
class AuditChainAlert:
    """The server refused the chain (409): sync is stopped until someone investigates."""

    device_id: str
    seq: int | None
    message: str


@dataclass(frozen=True)
class DeviceRevoked:
    """The server says this device is revoked; the vault is being wiped."""

    device_id: str
