"""Events raised while the vault is locked (failed unlocks, locks, wipes).

They cannot join the audit hash chain yet (the outbox is inside the locked database), so
they wait here: one JSON line per record, PHI-free, each with an HMAC over the previous
MAC and the record, keyed from the device secret, so an edit, a deletion or a reordering
breaks the chain. The record count and last MAC are also kept in the OS keyring (the
"head"), so cutting records off the end, or deleting the whole file, is detected too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keyring.backend
import keyring.errors

from agent_desktop.vault import crypto
from agent_desktop.vault.device_secret import SERVICE
from agent_desktop.vault.errors import KEYRING_HINT, VaultStorageError
from agent_desktop.vault.file_lock import FileLock
from agent_desktop.vault.header import canonical, fsync_dir

GENESIS = "0" * 64


class LockedLogTampered(Exception):
    """Internal: the pending file failed its check; the vault reports a synthetic record.

    ``code`` is one of a fixed vocabulary (``record_failed_check``, ``records_removed``) and
    ``record`` the first bad record's number: the alarm itself must pass the PHI guard.
    """

    def __init__(self, code: str, record: int, lines: int) -> None:
        self.reason = f"{code.replace('_', ' ')} (record {record} of {lines})"
        super().__init__(self.reason)
        self.code = code
        self.record = record
        self.lines = lines


class LockedLog:
    def __init__(self, path: Path, backend: Callable[[], keyring.backend.KeyringBackend],
                 profile: str, service: str = SERVICE, lock_path: Path | None = None) -> None:
        self.path = path
        self._backend = backend
        self._service = service
        self._head_user = f"vault-locked-log-head:{profile}"
        # appends from several processes (parallel failed unlocks) queue on this, so none
        # reads the same previous MAC as another and forks the chain
        self._lock = FileLock(lock_path or path.with_suffix(".lock"))

    def append(self, key: bytes, record: dict[str, Any]) -> None:
        with self._lock:
            lines = self._lines()
            prev = GENESIS
            if lines:
                try:
                    prev = json.loads(lines[-1])["mac"]
                except (ValueError, KeyError, TypeError):
                    prev = GENESIS  # a broken tail: the chain check at unlock reports it
            mac = _link(key, prev, record)
            line = {"record": record, "mac": mac}
            data = (json.dumps(line, sort_keys=True, ensure_ascii=True) + "\n").encode()
            new = not self.path.exists()
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
                try:
                    os.write(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                if new:
                    fsync_dir(self.path.parent)
            except OSError as err:
                raise VaultStorageError("Could not record a locked-state event", err) from err
            self._set_head(len(lines) + 1, mac)

    def read(self, key: bytes) -> list[dict[str, Any]]:
        """Verified pending records, oldest first; raises LockedLogTampered."""
        with self._lock:
            lines = self._lines()
            count, head_mac = self._head()
            records: list[dict[str, Any]] = []
            macs: list[str] = []
            prev = GENESIS
            for number, raw in enumerate(lines, 1):
                try:
                    line = json.loads(raw)
                    record, mac = line["record"], line["mac"]
                    ok = isinstance(record, dict) and crypto.mac_ok(
                        key, bytes.fromhex(prev) + canonical(record), mac)
                except (ValueError, KeyError, TypeError):
                    ok = False
                if not ok:
                    raise LockedLogTampered("record_failed_check", number, len(lines))
                records.append(record)
                macs.append(mac)
                prev = mac
            # Appends write the file before the head, so the file may be longer, never shorter.
            if count > len(records) or (count and macs[count - 1] != head_mac):
                raise LockedLogTampered("records_removed", len(records) + 1, len(lines))
            return records

    def count(self) -> int:
        """Records waiting (unverified: for status displays)."""
        try:
            return len(self._lines())
        except VaultStorageError:
            return 0

    def clear(self) -> None:
        with self._lock:
            # Head first: a crash in between re-delivers records rather than losing them.
            self._delete_head()
            try:
                self.path.unlink(missing_ok=True)
            except OSError as err:
                raise VaultStorageError("Could not clear the locked-state events", err) from err

    def forget(self) -> None:
        """Drop the file and head without reading them (the key they need is gone)."""
        self.clear()

    def _lines(self) -> list[str]:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        except OSError as err:
            raise VaultStorageError("Could not read the locked-state events", err) from err
        return [line for line in text.splitlines() if line.strip()]

    def _head(self) -> tuple[int, str]:
        try:
            value = self._backend().get_password(self._service, self._head_user)
        except keyring.errors.KeyringError as err:
            raise VaultStorageError("The OS keyring could not be read", err, KEYRING_HINT) from err
        if not value:
            return 0, GENESIS
        count, _, mac = value.partition(":")
        try:
            return int(count), mac
        except ValueError:
            return 1 << 30, mac  # unparseable head: nothing can satisfy it -> tampered

    def _set_head(self, count: int, mac: str) -> None:
        try:
            self._backend().set_password(self._service, self._head_user, f"{count}:{mac}")
        except keyring.errors.KeyringError as err:
            raise VaultStorageError("The OS keyring refused the locked-log head", err, KEYRING_HINT) from err

    def _delete_head(self) -> None:
        try:
            self._backend().delete_password(self._service, self._head_user)
        except keyring.errors.PasswordDeleteError:
            pass  # no head: nothing pending
        except keyring.errors.KeyringError as err:
            raise VaultStorageError("The OS keyring could not clear the locked-log head",
                                    err) from err


def _link(key: bytes, prev: str, record: dict[str, Any]) -> str:
    return crypto.mac(key, bytes.fromhex(prev) + canonical(record))
