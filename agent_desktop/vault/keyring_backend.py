"""Choosing the OS keyring: only a backend that really protects secrets is accepted.

keyring silently falls back to keyrings.alt's plain-text file when no Secret Service is
running; the vault must never store the device secret there.
"""

from __future__ import annotations

from typing import Any

import keyring
import keyring.backend
import keyring.errors

from agent_desktop.vault.errors import InsecureKeyringError
from agent_desktop.vault.secret_service import SharedSecretService

__all__ = ["InsecureKeyringError"]

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


def backend_name(backend: Any) -> str:
    while hasattr(backend, "inner"):  # the backend our wrappers hold
        backend = backend.inner
    return f"{type(backend).__module__}.{type(backend).__name__}"


# A Secret Service answers for a moment with a collection that no longer exists while it
# rewrites its keyring file (gnome-keyring reloads the folder it watches), and keyring then
# tries to create a new default collection, which needs a prompt: "Prompt dismissed". The
# same call a moment later finds the real collection. The reload also gives every item a new
# object path, so an item found just before it is "not found" when read or deleted. A loaded
# machine can take seconds to reload; a collection that is really gone still fails after the
# last try, with keyring's own error.
RETRY_DELAYS = (0.05, 0.2, 0.5, 1.0, 2.0)


def _transient_errors() -> tuple[type[Exception], ...]:
    errors: list[type[Exception]] = [keyring.errors.InitError]
    try:
        from secretstorage.exceptions import ItemNotFoundException  # Linux only
    except ImportError:
        pass
    else:
        errors.append(ItemNotFoundException)
    return tuple(errors)


class SteadyKeyring:
    """A secure backend whose calls survive the Secret Service's transient reload."""

    def __init__(self, inner: Any, delays: tuple[float, ...] = RETRY_DELAYS) -> None:
        self.inner = inner
        self._delays = delays

    def _call(self, name: str, *args: Any) -> Any:
        import time

        transient = _transient_errors()
        for delay in self._delays:
            try:
                return getattr(self.inner, name)(*args)
            except transient:
                time.sleep(delay)
        return getattr(self.inner, name)(*args)

    def get_password(self, service: str, username: str) -> str | None:
        result: str | None = self._call("get_password", service, username)
        return result

    def set_password(self, service: str, username: str, password: str) -> None:
        self._call("set_password", service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self._call("delete_password", service, username)

    def get_credential(self, service: str, username: str | None) -> Any:
        return self._call("get_credential", service, username)

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not yet set (e.g. while unpickling): no endless lookup
            raise AttributeError(name)
        return getattr(self.inner, name)


def _leaves(backend: keyring.backend.KeyringBackend) -> list[keyring.backend.KeyringBackend]:
    inner = getattr(backend, "backends", None)
    if inner:  # ChainerBackend: the first one that answers wins, so look at all of them
        return list(inner)
    return [backend]


def default_backend() -> keyring.backend.KeyringBackend:
    """keyring's configured backend; one that fails to load (a broken keyringrc or
    PYTHON_KEYRING_BACKEND) is an :class:`InsecureKeyringError`, not a traceback."""
    try:
        return keyring.get_keyring()
    except Exception as err:  # keyring raises whatever the backend's import raised
        raise InsecureKeyringError(
            f"The OS keyring backend could not be loaded ({type(err).__name__}: {err}).",
            "Check PYTHON_KEYRING_BACKEND and the keyring configuration file "
            "(keyringrc.cfg); unset them to use the session's keyring. " + HOW_TO_FIX,
        ) from err


def describe(backend: keyring.backend.KeyringBackend | None = None) -> str:
    backend = backend or default_backend()
    leaves = _leaves(backend)
    return ", ".join(backend_name(b) for b in leaves) or backend_name(backend)


def secure_backend(required: str = "", backend: keyring.backend.KeyringBackend | None = None
                   ) -> keyring.backend.KeyringBackend:
    """Return the secure backend to use, or raise :class:`InsecureKeyringError`.

    ``required`` is policy's ``vault.keyring_backend``: when set, only that backend is taken.
    """
    backend = backend or default_backend()
    leaves = _leaves(backend)
    found = ", ".join(backend_name(b) for b in leaves) or "none"
    for leaf in leaves:
        name = backend_name(leaf)
        if name.startswith(INSECURE_MODULES):
            continue
        if required and name != required:
            continue
        if required or name in SECURE_BACKENDS:
            if name.endswith("SecretService.Keyring"):
                steady: Any = SteadyKeyring(SharedSecretService(leaf))
                return steady  # type: ignore[no-any-return,unused-ignore]
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
