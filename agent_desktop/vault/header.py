"""The header file beside the database: KDF parameters and the wrapped DEK.

Every field except the wrapped key is the AES-GCM associated data, so an edited header
(a cheaper KDF, another profile) fails to unwrap rather than weakening the vault. The whole
header also carries an HMAC keyed from the device secret, checked before the password is
tried: that tells "the header was edited" apart from "wrong password", and a header copied
from another profile or workstation fails here too.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_desktop.vault import crypto
from agent_desktop.vault.crypto import ScryptParams
from agent_desktop.vault.errors import HeaderTampered, VaultCorrupted, VaultStorageError

FORMAT = "agent-desktop-vault-header"
VERSION = 1


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


@dataclass(frozen=True)
class Header:
    vault_id: str
    profile: str
    created: str
    kdf: ScryptParams
    salt: bytes
    nonce: bytes
    wrapped_dek: bytes

    def authenticated_fields(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "vault_id": self.vault_id,
            "profile": self.profile,
            "created": self.created,
            "cipher": "sqlcipher4-raw-key",
            "kdf": {"name": "scrypt", "n": self.kdf.n, "r": self.kdf.r, "p": self.kdf.p,
                    "salt": self.salt.hex()},
        }

    def aad(self) -> bytes:
        return canonical(self.authenticated_fields())

    def body(self) -> dict[str, Any]:
        data = self.authenticated_fields()
        data["wrap"] = {"alg": "AES-256-GCM", "nonce": self.nonce.hex(),
                        "ciphertext": self.wrapped_dek.hex()}
        return data

    def to_bytes(self, mac_key: bytes) -> bytes:
        data = self.body()
        data["mac"] = crypto.mac(mac_key, canonical(data))
        return json.dumps(data, indent=1, sort_keys=True).encode() + b"\n"


def parse(raw: bytes) -> tuple[Header, dict[str, Any], str]:
    """Parse ``raw`` into (header, body without mac, mac). Nothing is verified yet."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise VaultCorrupted("The vault header file is truncated or unreadable.") from err
    if not isinstance(data, dict):
        raise VaultCorrupted("The vault header file is truncated or unreadable.")
    try:
        mac = data.pop("mac")
        kdf = data["kdf"]
        wrap = data["wrap"]
        if data["format"] != FORMAT or kdf["name"] != "scrypt" or wrap["alg"] != "AES-256-GCM":
            raise HeaderTampered("The vault header is not an Agent Desktop vault header.")
        if data["version"] != VERSION:
            raise HeaderTampered(f"The vault header has unknown version {data['version']!r}.")
        header = Header(
            vault_id=str(data["vault_id"]),
            profile=str(data["profile"]),
            created=str(data["created"]),
            kdf=ScryptParams(int(kdf["n"]), int(kdf["r"]), int(kdf["p"])),
            salt=bytes.fromhex(kdf["salt"]),
            nonce=bytes.fromhex(wrap["nonce"]),
            wrapped_dek=bytes.fromhex(wrap["ciphertext"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise HeaderTampered("The vault header is missing fields or has malformed ones.") from err
    if not isinstance(mac, str):
        raise HeaderTampered()
    return header, data, mac


def read(path: Path, mac_key: bytes, profile: str) -> Header:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise VaultStorageError("The vault header could not be read", err) from err
    header, body, mac = parse(raw)
    if header.profile != profile:
        raise HeaderTampered(f"The vault header belongs to profile {header.profile}, "
                             f"not {profile}.")
    if not crypto.mac_ok(mac_key, canonical(body), mac):
        raise HeaderTampered()
    if not header.kdf.valid() or len(header.salt) < crypto.SALT_BYTES:
        raise HeaderTampered("The vault header asks for a weaker key derivation than allowed.")
    return header


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` durably: 0600 temp file, fsync, rename, fsync dir."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as err:
        try:
            tmp.unlink()
        except OSError:
            pass  # the temp file may never have been created
        raise VaultStorageError(f"Could not write {path.name}", err) from err


def fsync_dir(directory: Path) -> None:
    if os.name == "nt":  # directories cannot be fsynced on Windows; NTFS journals renames
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
