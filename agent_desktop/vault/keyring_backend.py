"""Choosing the OS keyring: only a backend that really protects secrets is accepted.

keyring silently falls back to keyrings.alt's plain-text file when no Secret Service is
running; the vault must never store the device secret there.
"""

from __future__ import annotations

from typing import Any

import keyring
import keyring.backend

from agent_desktop.errors import AgentDesktopError

# Backends known to protect secrets with the OS login (module prefix, class name).
SECURE_BACKENDS = {
    "keyring.backends.SecretService.Keyring",
    "keyring.backends.libsecret.Keyring",
    "keyring.backends.macOS.Keyring",
    "keyring.backends.Windows.WinVaultKeyring",
    "keyring.backends.kwallet.DBusKeyring",
}
# Anything from these modules stores secrets in files, nowhere, or fails.
INSECURE_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")

HOW_TO_FIX = (
    "Run Agent Desktop inside a desktop session with a Secret Service (GNOME Keyring or "
    "KWallet) on Linux, or with the signed-in user's Keychain / Credential Locker; on a "
    "headless Linux machine start one with `dbus-run-session` and "
    "`gnome-keyring-daemon --unlock --components=secrets`."
)


class InsecureKeyringError(AgentDesktopError):
    """The keyring found cannot protect the device secret."""


def backend_name(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _leaves(backend: keyring.backend.KeyringBackend) -> list[keyring.backend.KeyringBackend]:
    inner = getattr(backend, "backends", None)
    if inner:  # ChainerBackend: the first one that answers wins, so look at all of them
        return list(inner)
    return [backend]


def describe(backend: keyring.backend.KeyringBackend | None = None) -> str:
    backend = backend or keyring.get_keyring()
    leaves = _leaves(backend)
    return ", ".join(backend_name(b) for b in leaves) or backend_name(backend)


def secure_backend(required: str = "", backend: keyring.backend.KeyringBackend | None = None
                   ) -> keyring.backend.KeyringBackend:
    """Return the secure backend to use, or raise :class:`InsecureKeyringError`.

    ``required`` is policy's ``vault.keyring_backend``: when set, only that backend is taken.
    """
    backend = backend or keyring.get_keyring()
    leaves = _leaves(backend)
    found = ", ".join(backend_name(b) for b in leaves) or "none"
    for leaf in leaves:
        name = backend_name(leaf)
        if name.startswith(INSECURE_MODULES):
            continue
        if required and name != required:
            continue
        if required or name in SECURE_BACKENDS:
            return leaf
    if required:
        raise InsecureKeyringError(
            f"Policy requires the keyring backend {required}, but this session offers: {found}.",
            HOW_TO_FIX,
        )
    raise InsecureKeyringError(
        f"No secure OS keyring is available (found: {found}); the vault will not keep its "
        "device secret in a plain-text, null or failing keyring.",
        HOW_TO_FIX,
    )
