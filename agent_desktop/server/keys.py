"""The server's Ed25519 receipt key: signs batch receipts and monitor grants."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from agent_desktop.audit.event import receipt_message
from agent_desktop.errors import AgentDesktopError


class KeyFileError(AgentDesktopError):
    """The receipt key file is missing, unreadable or not an Ed25519 key."""


class ReceiptSigner:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.public_key = key.public_key()
        self.public_key_hex = self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()

    def sign_raw(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def sign(self, message: bytes) -> str:
        return self._key.sign(message).hex()

    def receipt(self, device_id: str, last_seq: int, last_hash: str) -> str:
        """Hex Ed25519 signature over ``device_id|last_seq|last_hash``."""
        return self.sign(receipt_message(device_id, last_seq, last_hash))


def verify_signature(public_key_hex: str, message: bytes, signature_hex: str) -> bool:
    """What a client does with the public key from enrolment or policy."""
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        key.verify(bytes.fromhex(signature_hex), message)
    except (ValueError, InvalidSignature):
        return False
    return True


def write_key(path: Path) -> ReceiptSigner:
    """Create a new key file (0600); refuses to overwrite an existing one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path} already exists",
                           "Keep the existing receipt key (clients trust it) or move it away first.") from None
    except OSError as err:
        raise KeyFileError(f"cannot create {path}: {err.strerror}", "Check the folder and permissions.") from err
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return ReceiptSigner(key)


def load_key(path: Path) -> ReceiptSigner:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise KeyFileError(f"cannot read receipt key {path}: {err.strerror}",
                           "Create one with `agent-desktop server keygen --out FILE`.") from err
    if path.stat().st_mode & 0o077:
        raise KeyFileError(f"receipt key {path} is readable by other users",
                           f"Run `chmod 600 {path}`.")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as err:
        raise KeyFileError(f"{path} is not a PEM private key",
                           "Create one with `agent-desktop server keygen --out FILE`.") from err
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 key", "Receipts are signed with Ed25519.")
    return ReceiptSigner(key)


def load_or_create_key(path: Path) -> ReceiptSigner:
    return load_key(path) if path.exists() else write_key(path)
