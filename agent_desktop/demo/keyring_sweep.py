"""The demo's keyring entries: found and removed by the demo profile's unique name.

Every entry the product makes names its profile (the vault's device secret and locked-log
head, the audit credentials' service), and the demo's profile is ``demo-<random>``, so
every item whose attributes mention it is the demo's, whatever capability made it.
"""

from __future__ import annotations

from typing import Any

from agent_desktop.audit.credentials import ENTRY, SERVICE_PREFIX
from agent_desktop.vault.device_secret import SERVICE

# What the product makes today, for keyrings that cannot be listed (macOS, Windows).
KNOWN = ((SERVICE, "vault-device-secret:{p}"), (SERVICE, "vault-locked-log-head:{p}"),
         (SERVICE_PREFIX + "{p}", ENTRY))


def _listing() -> Any:
    """The Secret Service backend, which can list every item, or None where the keyring
    cannot be listed (macOS, Windows, no D-Bus session)."""
    from agent_desktop.vault.keyring_backend import secure_backend

    try:
        backend = secure_backend()
    except Exception:  # noqa: BLE001 - no secure keyring here: the known names apply
        return None
    return backend if hasattr(backend, "all_attributes") else None


def _mentions(attributes: dict[str, str], profile: str) -> bool:
    return any(profile in str(v) for v in attributes.values())


def _all_attributes() -> list[dict[str, str]] | None:
    """Every item's attributes, or None where the keyring cannot be listed."""
    backend = _listing()
    if backend is None:
        return None
    try:
        found: list[dict[str, str]] = backend.all_attributes()
        return found
    except Exception:  # noqa: BLE001 - no D-Bus or no Secret Service: the known names apply
        return None


def listable() -> bool:
    """True where the OS keyring can be listed (a Secret Service on a D-Bus session)."""
    return _all_attributes() is not None


def entries(profile: str) -> list[dict[str, str]]:
    """The attributes of every item that mentions ``profile`` (empty where not listable)."""
    return [a for a in _all_attributes() or [] if _mentions(a, profile)]


def sweep(profile: str) -> int:
    """Delete every keyring item of ``profile``; returns how many were removed."""
    if not profile.startswith("demo-"):
        raise ValueError("only a demo profile is ever swept")  # never the user's real profile
    if listable():
        removed: int = _listing().delete_matching(lambda attributes: _mentions(attributes, profile))
        return removed
    import keyring.errors

    from agent_desktop.vault.keyring_backend import secure_backend

    removed = 0
    for service, user in KNOWN:
        try:
            secure_backend().delete_password(service.format(p=profile), user.format(p=profile))
            removed += 1
        except keyring.errors.PasswordDeleteError:
            pass  # never made: the goal of a sweep
    return removed
