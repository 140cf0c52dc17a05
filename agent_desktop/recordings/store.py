"""Recordings on this workstation: the key in the vault, the index, retention, playback.

- The recording key is an X25519 key pair whose private half is a vault secret (so it is
  crypto-shredded with the vault on wipe); recorders get only the public half.
- Files live in ``<vault folder>/recordings/`` (0700), one ``<id>.adrec`` per recording,
  indexed in the vault's ``recordings`` table (migration 17).
- Every start, stop, playback and deletion is an audit event on the call's id, committed
  before the audio is decrypted (``recording.play``).
- Recordings older than ``recording.retention_days`` are deleted at unlock and every
  ``vault.phi_purge_interval_minutes`` while unlocked; a wipe deletes every file.
"""

from __future__ import annotations

import logging
import os
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from agent_desktop.bus import EventBus, Subscription
from agent_desktop.errors import AgentDesktopError
from agent_desktop.paths import ensure_private_dir
from agent_desktop.policy import Settings
from agent_desktop.recordings import cipher
from agent_desktop.recordings.writer import EncryptedWriter, WriterResult
from agent_desktop.vault.events import VaultUnlocked, VaultWiped
from agent_desktop.vault.worker import Periodic

log = logging.getLogger(__name__)
KEY_SECRET = "recording.x25519"
SUFFIX = ".adrec"
TIMEOUT = 20.0
Connection = Any


class RecordingError(AgentDesktopError):
    pass


@dataclass(frozen=True)
class RecordingInfo:
    recording_id: str
    call_id: str
    started_at: float
    seconds: float | None  # None while it is being recorded
    status: str            # "recording", "complete", "incomplete"


def new_recording_id() -> str:
    """16 lowercase letters: opaque, and never mistaken for a number by the audit checks."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(cipher.ID_BYTES))


class RecordingStore:
    def __init__(self, vault: Any, recorder: Any, settings: Settings, bus: EventBus, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.vault = vault
        self.recorder = recorder
        self.settings = settings
        self.bus = bus
        self.clock = clock
        self.directory: Path = recordings_folder(vault.directory)
        self._public: X25519PublicKey | None = None
        self._lock = threading.Lock()
        self._purger: Periodic | None = None
        self._subs: list[Subscription] = [
            bus.subscribe(VaultWiped, lambda e: self._wiped(e)),
            bus.subscribe(VaultUnlocked, lambda e: self._unlocked(e)),
        ]

    # --- keys ------------------------------------------------------------------------------
    def public_key(self) -> X25519PublicKey:
        """The recording public key (blocking: created in the vault on first use)."""
        with self._lock:
            if self._public is None:
                self._public = self._private().public_key()
            return self._public

    def _private(self) -> X25519PrivateKey:
        raw = self.vault.get_secret(KEY_SECRET).result(TIMEOUT)
        if raw is None:
            key = X25519PrivateKey.generate()
            from cryptography.hazmat.primitives import serialization

            raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
            self.vault.put_secret(KEY_SECRET, raw).result(TIMEOUT)
        return X25519PrivateKey.from_private_bytes(bytes(raw))

    # --- recording -------------------------------------------------------------------------
    def begin(self, call_id: str, detail: dict[str, Any]) -> EncryptedWriter:
        """A new encrypted file for ``call_id``, indexed and audited (blocking)."""
        recipient = self.public_key()
        ensure_private_dir(self.directory)
        rid = new_recording_id()
        started = self.clock()
        writer = EncryptedWriter(self._path(rid), rid, recipient,
                                 {"recording_id": rid, "call_id": call_id, "started_at": started})

        def index(conn: Connection) -> None:
            conn.execute("INSERT INTO recordings (id, call_id, started_at, status)"
                         " VALUES (?, ?, ?, 'recording')", (rid, call_id, started))

        try:
            self.vault.transaction(index).result(TIMEOUT)
            self.recorder.record("recording.start", call_id=call_id,
                                 detail={"recording": rid, **detail})
        except BaseException:
            writer.close()
            writer.done.result(TIMEOUT)
            self._shred(rid)
            raise
        return writer

    def finish(self, call_id: str, result: WriterResult, reason: str) -> None:
        """Index the finished file's length and record the stop (blocking)."""
        status = "incomplete" if result.error else "complete"

        def update(conn: Connection) -> None:
            conn.execute("UPDATE recordings SET seconds = ?, status = ?, stop_reason = ?"
                         " WHERE id = ?", (round(result.seconds, 2), status, reason,
                                           result.recording_id))

        self.vault.transaction(update).result(TIMEOUT)
        self.recorder.record("recording.stop", call_id=call_id,
                             outcome="failure" if result.error else "success",
                             detail={"recording": result.recording_id, "reason": reason,
                                     "seconds": round(result.seconds, 1)})

    # --- listing and playback -----------------------------------------------------------------
    def list(self) -> list[RecordingInfo]:
        """Recordings on this workstation, newest first (after unlock; no audio is read)."""
        def rows(conn: Connection) -> list[Any]:
            return conn.execute("SELECT id, call_id, started_at, seconds, status FROM recordings"
                                " ORDER BY started_at DESC").fetchall()

        return [RecordingInfo(r[0], r[1], float(r[2]), None if r[3] is None else float(r[3]),
                              r[4]) for r in self.vault.submit(rows).result(TIMEOUT)]

    def decrypt(self, recording_id: str, via: str) -> cipher.Opened:
        """The recording's audio in memory; the access is recorded first (``recording.play``)."""
        info = self._info(recording_id)
        self.recorder.record("recording.play", call_id=info.call_id,
                             detail={"recording": recording_id, "via": via})
        private = self._private()
        with open(self._path(recording_id), "rb") as fh:
            return cipher.open_recording(fh, private)

    def _info(self, recording_id: str) -> RecordingInfo:
        for info in self.list():
            if info.recording_id == recording_id:
                return info
        raise RecordingError("That recording is not on this workstation.",
                             "It may have been deleted when its retention period ended.")

    # --- retention and wipe ------------------------------------------------------------------
    def purge_expired(self) -> int:
        """Delete recordings older than the retention period; each deletion is recorded."""
        cutoff = self.clock() - float(self.settings.get("recording.retention_days")) * 86400.0

        def expired(conn: Connection) -> list[Any]:
            return conn.execute("SELECT id, call_id FROM recordings WHERE started_at <= ?"
                                " AND status != 'recording'", (cutoff,)).fetchall()

        gone = 0
        for rid, call_id in self.vault.submit(expired).result(TIMEOUT):
            self._shred(rid)
            self.vault.transaction(
                lambda conn, rid=rid: conn.execute("DELETE FROM recordings WHERE id = ?", (rid,))
            ).result(TIMEOUT)
            self.recorder.record("recording.delete", call_id=call_id,
                                 detail={"recording": rid, "reason": "retention"})
            gone += 1
        return gone

    def _unlocked(self, event: VaultUnlocked) -> None:
        self.start()

    def start(self) -> None:
        """Purge now (on a thread of our own: VaultUnlocked is published under the vault's
        lifecycle lock) and every purge interval from now on."""
        if self._purger is None:
            minutes = float(self.settings.get("vault.phi_purge_interval_minutes"))
            self._purger = Periodic(minutes * 60, self._purge_quietly, "recordings-purge").start()
        threading.Thread(target=self._purge_quietly, name="recordings-purge-now", daemon=True).start()

    def _purge_quietly(self) -> None:
        if not self.vault.unlocked:
            return
        try:
            self.purge_expired()
        except AgentDesktopError as err:
            log.warning("expired recordings not purged yet: %s", err.message)

    def _wiped(self, event: VaultWiped) -> None:
        """The vault (and the private key with it) is gone: delete every file too."""
        with self._lock:
            self._public = None
        shred_folder(self.directory)

    def _path(self, recording_id: str) -> Path:
        return self.directory / (recording_id + SUFFIX)

    def _shred(self, recording_id: str) -> None:
        _overwrite_and_unlink(self._path(recording_id))

    def close(self) -> None:
        if self._purger is not None:
            self._purger.stop()
            self._purger = None
        for sub in self._subs:
            self.bus.unsubscribe(sub)
        self._subs.clear()


def recordings_folder(vault_directory: Path) -> Path:
    return vault_directory / "recordings"


def shred_folder(directory: Path) -> None:
    """Delete every recording file (header overwritten first) and the folder."""
    if directory.is_dir():
        for path in directory.iterdir():
            _overwrite_and_unlink(path)
        directory.rmdir()


def _overwrite_and_unlink(path: Path) -> None:
    """Overwrite the header (the wrapped file key: without it the rest is noise), unlink."""
    try:
        size = min(path.stat().st_size, cipher.HEADER_BYTES)
        with open(path, "r+b") as fh:
            fh.write(b"\0" * size)
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()
    except FileNotFoundError:
        return
    except OSError as err:
        raise RecordingError(f"Could not delete the recording file ({err.strerror}).",
                             "Check the disk; the deletion is retried later.") from err
