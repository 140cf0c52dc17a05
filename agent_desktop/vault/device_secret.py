"""The device secret: 32 random bytes in the OS keyring, one entry per vault profile.

It is the "enrolled device" factor of the KEK and the root of the MAC keys for the header,
the throttle state and the locked-state log. Deleting the entry crypto-shreds the vault.
"""

from __future__ import annotations

import binascii
import os

import keyring.backend
import keyring.errors

from agent_desktop.vault.errors import KEYRING_HINT, VaultStorageError

SERVICE = "agent-desktop"
SECRET_BYTES = 32


class DeviceSecretStore:
    def __init__(self, backend: keyring.backend.KeyringBackend, profile: str,
                 service: str = SERVICE) -> None:
        self.backend = backend
        self.service = service
        self.username = f"vault-device-secret:{profile}"

    def load(self) -> bytes | None:
        try:
            stored = self.backend.get_password(self.service, self.username)
        except keyring.errors.KeyringError as err:
            raise VaultStorageError("The OS keyring could not be read", err, KEYRING_HINT) from err
        if stored is None:
            return None
        try:
            secret = binascii.unhexlify(stored)
        except (binascii.Error, ValueError):
            return None  # not ours: treated like a missing entry, never overwritten here
        return secret if len(secret) == SECRET_BYTES else None

    def create(self) -> bytes:
        secret = os.urandom(SECRET_BYTES)
        try:
            self.backend.set_password(self.service, self.username, secret.hex())
        except keyring.errors.KeyringError as err:
            raise VaultStorageError("The OS keyring refused to store the device key", err, KEYRING_HINT) from err
        if self.load() != secret:
            raise VaultStorageError("The OS keyring did not keep the device key")
        return secret

    def delete(self) -> None:
        try:
            self.backend.delete_password(self.service, self.username)
        except keyring.errors.PasswordDeleteError:
            pass  # already gone: the goal of a delete
        except keyring.errors.KeyringError as err:
            raise VaultStorageError("The OS keyring could not delete the device key", err, KEYRING_HINT) from err
