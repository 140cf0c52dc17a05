"""Helpers for vault tests: a fake clock, policy files, a vault factory with keyring cleanup."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keyring.backend
import keyring.errors

import agent_desktop.capabilities  # noqa: F401  (registers every capability's vault tables)
from agent_desktop.bus import EventBus
from agent_desktop.paths import AppPaths
from agent_desktop.policy import Settings, load_settings
from agent_desktop.vault import Migration, ScryptParams, Vault
from agent_desktop.vault.keyring_backend import secure_backend

# Cheap scrypt for tests that are not about the KDF (the header records it; the default
# cost is exercised by the tests about key derivation and by bench/vault.py).
FAST_KDF = ScryptParams(n=2**12, r=8, p=1)
PASSWORD = "Correct-Horse-Battery-7"
OTHER_PASSWORD = "Purple-Monkey-Dishwasher-42"


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def unique_profile(prefix: str = "agent") -> str:
    return f"{prefix}-{os.urandom(4).hex()}"


def write_policy(path: Path, vault_settings: dict[str, Any]) -> None:
    lines = ["[vault]"] + [f"{k} = {_toml(v)}" for k, v in vault_settings.items()]
    path.write_text("\n".join(lines) + "\n")


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


@dataclass
class VaultFactory:
    home: Path
    policy_file: Path
    made: list[Vault] = field(default_factory=list)
    bus: EventBus = field(default_factory=EventBus)

    @property
    def paths(self) -> AppPaths:
        return AppPaths(self.home / "data", self.home / "config", self.home / "logs")

    def settings(self, **vault_settings: Any) -> Settings:
        if vault_settings:
            write_policy(self.policy_file, vault_settings)
        return load_settings(self.paths, policy_file=self.policy_file)

    def __call__(self, profile: str | None = None, *, clock: Callable[[], float] | None = None,
                 settings: Settings | None = None, kdf: ScryptParams = FAST_KDF,
                 keyring_backend: keyring.backend.KeyringBackend | None = None,
                 bus: EventBus | None = None, migrations: list[Migration] | None = None) -> Vault:
        kwargs: dict[str, Any] = {"kdf": kdf, "keyring_backend": keyring_backend,
                                  "migrations": migrations}
        if clock is not None:
            kwargs["clock"] = clock
        vault = Vault(self.paths, profile or unique_profile(), settings or self.settings(),
                      bus or self.bus, **kwargs)
        self.made.append(vault)
        return vault

    def cleanup(self) -> None:
        import keyring

        from agent_desktop.vault.device_secret import SERVICE

        for vault in self.made:
            try:
                vault.close()
            except Exception as err:  # noqa: BLE001 - teardown must reach every keyring entry
                print(f"closing vault {vault.profile} at teardown failed: {err}")
            if vault._requested_backend is not None:
                continue  # an injected (insecure) backend: nothing was stored in the keyring
            for user in (f"vault-device-secret:{vault.profile}",
                         f"vault-locked-log-head:{vault.profile}",
                         f"vault-throttle:{vault.profile}",
                         f"vault-anchor:audit-outbox-head:{vault.profile}"):
                try:
                    secure_backend().delete_password(SERVICE, user)
                except keyring.errors.PasswordDeleteError:
                    continue  # never created or already deleted by the test


class UnreachableKeyring(keyring.backend.KeyringBackend):
    """A keyring whose service is down (e.g. the D-Bus session died): every call fails."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringError("the Secret Service is not reachable")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringError("the Secret Service is not reachable")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringError("the Secret Service is not reachable")


UNREACHABLE = f"{UnreachableKeyring.__module__}.{UnreachableKeyring.__name__}"
