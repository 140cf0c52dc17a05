"""The vault: one SQLCipher database per agent profile, opened by password + device.

Files under ``<data>/vaults/<profile>/`` (directory 0700, files 0600):

- ``vault.db`` (+ ``-wal``/``-shm``): the SQLCipher database, keyed with the raw DEK.
- ``vault.header``: KDF parameters and the AES-GCM-wrapped DEK (see :mod:`.header`).
- ``throttle.json``: failed-unlock counter (MACed; a copy is anchored in the keyring).
- ``locked-events.jsonl``: events raised while locked, waiting for the audit chain.

``<data>/vaults/<profile>.lock`` (empty) is the profile lock: create, unlock,
change_password, wipe and quarantine hold it, so two processes (the desktop and a CLI)
never interleave them; within a process one lock serialises them too.
``<profile>.events.lock`` serialises appends to the locked-state log. All database work
runs under one connection lock: on the vault worker thread, except the short durable
transactions a caller runs itself with :meth:`Vault.transact` (an audit record), which
would otherwise wait twice on a thread switch for less work than the switch.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import keyring.backend
import keyring.errors
import sqlcipher3

from agent_desktop.bus import EventBus
from agent_desktop.errors import AgentDesktopError
from agent_desktop.paths import AppPaths, create_private_file, ensure_private_dir
from agent_desktop.phi_guard import detail_problem
from agent_desktop.policy import Settings
from agent_desktop.timestamps import utc_timestamp
from agent_desktop.vault import crypto, events
from agent_desktop.vault import header as header_file
from agent_desktop.vault.crypto import DEFAULT_SCRYPT, ScryptParams
from agent_desktop.vault.device_secret import SERVICE, DeviceSecretStore
from agent_desktop.vault.errors import (
    KEYRING_HINT,
    DeviceSecretMissing,
    HeaderTampered,
    UnlockThrottled,
    VaultCorrupted,
    VaultError,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    VaultStorageError,
    WrongPassword,
)
from agent_desktop.vault.file_lock import FileLock
from agent_desktop.vault.keyring_backend import secure_backend
from agent_desktop.vault.locked_log import LockedLog, LockedLogTampered
from agent_desktop.vault.migrations import Migration, apply_migrations
from agent_desktop.vault.password_rules import check_password
from agent_desktop.vault.phi_cache import purge_expired_rows
from agent_desktop.vault.throttle import Throttle, ThrottleAnchor
from agent_desktop.vault.worker import Periodic, VaultWorker

T = TypeVar("T")
Connection = Any  # sqlcipher3.Connection
UnlockHook = Callable[[Connection, list[dict[str, Any]]], None]

log = logging.getLogger(__name__)

DB_NAME = "vault.db"
HEADER_NAME = "vault.header"
THROTTLE_NAME = "throttle.json"
LOCKED_LOG_NAME = "locked-events.jsonl"
SQLITE_MAGIC = b"SQLite format 3\x00"
_PROFILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}\Z")


@dataclass(frozen=True)
class VaultStatus:
    profile: str
    exists: bool
    unlocked: bool
    failed_attempts: int
    retry_after_seconds: float
    directory: Path
    pending_locked_events: int


@dataclass(frozen=True)
class UnlockTiming:
    """Where the last unlock spent its time (bench/vault.py reports it)."""

    kdf_seconds: float
    rest_seconds: float


class Vault:
    def __init__(self, paths: AppPaths, profile: str, settings: Settings, bus: EventBus, *,
                 clock: Callable[[], float] = time.time,
                 keyring_backend: keyring.backend.KeyringBackend | None = None,
                 kdf: ScryptParams = DEFAULT_SCRYPT,
                 keyring_service: str = SERVICE,
                 migrations: Sequence[Migration] | None = None) -> None:
        if not _PROFILE_RE.match(profile):
            raise VaultError(f"{profile!r} is not a valid vault profile name.",
                             "Use letters, digits, dot, dash, underscore or @ (max 128).")
        self.profile = profile
        self.settings = settings
        self.bus = bus
        self.clock = clock
        self.kdf = kdf
        self._migrations = migrations  # None: the module's MIGRATIONS as they are at unlock
        self.directory = paths.data / "vaults" / profile
        self.db_path = self.directory / DB_NAME
        self.header_path = self.directory / HEADER_NAME
        self._requested_backend = keyring_backend
        self._backend: keyring.backend.KeyringBackend | None = None
        self._service = keyring_service
        self._throttle = Throttle(self.directory / THROTTLE_NAME,
                                  int(settings.get("vault.unlock_throttle_free_attempts")),
                                  float(settings.get("vault.unlock_throttle_max_seconds")),
                                  clock, ThrottleAnchor(self._keyring, keyring_service, profile),
                                  expected=self.header_path.exists)
        self._locked_log = LockedLog(self.directory / LOCKED_LOG_NAME, self._keyring,
                                     profile, keyring_service,
                                     self.directory.parent / f"{profile}.events.lock")
        self._worker = VaultWorker(f"vault-{profile}")
        self._lifecycle = threading.RLock()
        self._profile_lock = FileLock(self.directory.parent / f"{profile}.lock")
        self.vault_id: str | None = None  # of the header last opened (binds keyring anchors)
        self._conn: Connection | None = None
        # held around every use of the connection, on whichever thread (the worker's jobs,
        # transact() on a caller's): one user at a time, a close never under a transaction
        self._conn_lock = threading.RLock()
        self._open = False  # False from the first instant of a lock: new work is refused
        self._dek: bytearray | None = None
        self._hooks: list[UnlockHook] = []
        self._purger: Periodic | None = None
        self.last_unlock: UnlockTiming | None = None

    # --- keyring -------------------------------------------------------------------------
    def _keyring(self) -> keyring.backend.KeyringBackend:
        if self._backend is None:
            self._backend = secure_backend(str(self.settings.get("vault.keyring_backend")),
                                           backend=self._requested_backend)
        return self._backend

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """The lifecycle lock of this object and the profile lock of every process."""
        with self._lifecycle:
            try:
                ensure_private_dir(self.directory.parent)
            except OSError as err:
                raise VaultStorageError("Could not create the vaults folder", err) from err
            with self._profile_lock:
                yield

    def _secrets(self) -> DeviceSecretStore:
        return DeviceSecretStore(self._keyring(), self.profile, self._service)

    def _device_secret(self, enrol: bool) -> bytes:
        """The device secret; created when ``enrol`` and this profile has no vault yet."""
        store = self._secrets()
        secret = store.load()
        if secret is not None:
            return secret
        if self.header_path.exists() or self.db_path.exists() or not enrol:
            raise DeviceSecretMissing(self.profile)
        self._ensure_dir()
        return store.create()

    def device_subkey(self, info: bytes) -> bytes:
        """A 32-byte HKDF-SHA256 subkey of the device secret (works while locked)."""
        return crypto.subkey(self._device_secret(enrol=True), info)

    # --- state ---------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.header_path.exists() or self.db_path.exists()

    @property
    def unlocked(self) -> bool:
        return self._open

    def status(self) -> VaultStatus:
        failures, retry = self._throttle.status()
        return VaultStatus(
            profile=self.profile, exists=self.exists(), unlocked=self._open,
            failed_attempts=failures, retry_after_seconds=retry, directory=self.directory,
            pending_locked_events=self._locked_log.count(),
        )

    def add_unlock_hook(self, hook: UnlockHook) -> None:
        """Run ``hook(conn, pending_records)`` on the vault thread after every unlock.

        Pending locked-state records are cleared only when at least one hook is registered
        and every hook returned normally; otherwise they are offered again next time.
        """
        self._hooks.append(hook)

    # --- work ----------------------------------------------------------------------------
    def submit(self, fn: Callable[[Connection], T]) -> Future[T]:
        """Run ``fn(conn)`` on the vault thread. Fails with VaultLocked while locked."""
        if not self._open:
            return _failed(VaultLocked(self.profile))

        def job() -> T:
            with self._conn_lock:
                return self._run(fn)

        return self._worker.submit(job)

    def _run(self, fn: Callable[[Connection], T]) -> T:
        """``fn(conn)`` with the connection lock held; storage errors made readable."""
        conn = self._conn
        if conn is None or not self._open:
            raise VaultLocked(self.profile)
        try:
            return fn(conn)
        except sqlcipher3.Error as err:
            mapped = _storage_error(err)
            if mapped is err:
                raise
            raise mapped from err

    def transact(self, fn: Callable[[Connection], T], timeout: float | None = None) -> T:
        """Run ``fn(conn)`` in one BEGIN IMMEDIATE ... COMMIT on the calling thread and
        return its result; durable when it returns.

        For short, latency-bound writes (an audit record): the caller waits for the commit
        anyway, and handing the job to the vault thread and the result back costs two
        thread wake-ups, more than the statements themselves on a busy machine. The
        connection lock keeps it apart from the vault thread's jobs exactly as the queue
        would. ``fn`` must not wait on :meth:`submit` (the vault thread would wait for the
        lock this thread holds). TimeoutError when the connection stays busy ``timeout``
        seconds; VaultLocked while locked.
        """
        if not self._open:
            raise VaultLocked(self.profile)
        if not self._conn_lock.acquire(timeout=-1 if timeout is None else timeout):
            raise TimeoutError("the vault connection stayed busy")
        try:
            return self._run(lambda conn: _in_transaction(conn, fn))
        finally:
            self._conn_lock.release()

    def transaction(self, fn: Callable[[Connection], T]) -> Future[T]:
        """Like :meth:`submit` inside BEGIN IMMEDIATE ... COMMIT; durable when resolved."""

        return self.submit(lambda conn: _in_transaction(conn, fn))

    def put_secret(self, name: str, value: bytes) -> Future[None]:
        def put(conn: Connection) -> None:
            conn.execute("INSERT INTO secrets (name, value, updated_at) VALUES (?, ?, ?)"
                         " ON CONFLICT(name) DO UPDATE SET value = excluded.value,"
                         " updated_at = excluded.updated_at", (name, bytes(value), self.clock()))

        return self.transaction(put)

    def get_secret(self, name: str) -> Future[bytes | None]:
        def get(conn: Connection) -> bytes | None:
            row = conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
            return bytes(row[0]) if row else None

        return self.submit(get)

    # --- anchors: small values kept outside the database ---------------------------------
    def read_anchor(self, name: str) -> str | None:
        """The value last written under ``name`` for this vault, from the OS keyring.

        Anchors let a capability detect a database copied back from an earlier moment (no
        key is needed for that). Bound to the vault id: a value written for an earlier
        vault of this profile (before a wipe) reads as None. Works once the vault has been
        opened in this process (the id comes from its header).
        """
        if self.vault_id is None:
            return None
        try:
            raw = self._keyring().get_password(self._service, self._anchor_user(name))
        except keyring.errors.KeyringError as err:
            raise VaultStorageError("The OS keyring could not be read", err, KEYRING_HINT) from err
        if not raw:
            return None
        owner, _, value = raw.partition("|")
        return value if owner == self.vault_id else None

    def write_anchor(self, name: str, value: str) -> None:
        """Keep ``value`` under ``name`` for this vault in the OS keyring (~ms per call)."""
        if self.vault_id is None:
            raise VaultLocked(self.profile)
        try:
            self._keyring().set_password(self._service, self._anchor_user(name),
                                         f"{self.vault_id}|{value}")
        except keyring.errors.KeyringError as err:
            raise VaultStorageError("The OS keyring refused an anchor", err, KEYRING_HINT) from err

    def _anchor_user(self, name: str) -> str:
        return f"vault-anchor:{name}:{self.profile}"

    # --- locked-state events -------------------------------------------------------------
    def record_locked_event(self, action: str, outcome: str, detail: dict[str, Any]) -> None:
        """Append a PHI-free record for the audit chain to pick up at the next unlock."""
        problem = detail_problem(detail)
        if problem:
            raise VaultError(f"Refused a locked-state event with an unsafe detail: {problem}.",
                             "Pass only opaque, PHI-free values.")
        record = {"action": action, "outcome": outcome, "ts": utc_timestamp(self.clock()),
                  "detail": dict(detail)}
        self._locked_log.append(self.device_subkey(crypto.LOCKED_LOG_INFO), record)

    def _record_quietly(self, action: str, outcome: str, detail: dict[str, Any]) -> None:
        """Record without letting a keyring/disk problem stop a lock or a failure report."""
        try:
            self.record_locked_event(action, outcome, detail)
        except AgentDesktopError as err:
            log.error("could not record %s for the audit trail: %s", action, err)

    def _pending(self, secret: bytes) -> list[dict[str, Any]]:
        try:
            return self._locked_log.read(crypto.subkey(secret, crypto.LOCKED_LOG_INFO))
        except LockedLogTampered as err:
            log.error("locked-state events failed their integrity check: %s", err.reason)
            return [self._tamper_record(err.code, record=err.record, lines=err.lines)]

    def _tamper_record(self, code: str, **counts: int) -> dict[str, Any]:
        """The alarm for a damaged locked-state log: PHI-free by construction (a reason code
        from a fixed vocabulary and small counts), so the audit chain accepts it."""
        return {"action": "vault.locked_log_tampered", "outcome": "failure",
                "ts": utc_timestamp(self.clock()), "detail": {"reason": code, **counts}}

    # --- lifecycle -----------------------------------------------------------------------
    def create(self, password: str) -> None:
        """Create the vault and leave it unlocked (unlock hooks run, as for an unlock)."""
        with self._exclusive():
            if self.header_path.exists():
                raise VaultExists(self.profile)
            if self.db_path.exists():
                raise VaultCorrupted(
                    "A vault database without its header is in the way; it was not touched.")
            check_password(password, int(self.settings.get("vault.password_min_length")),
                           self.profile)
            self._ensure_dir()
            secret = self._device_secret(enrol=True)
            dek = crypto.random_key()
            salt = os.urandom(crypto.SALT_BYTES)
            head = header_file.Header(
                vault_id=uuid.uuid4().hex, profile=self.profile,
                created=utc_timestamp(self.clock()), kdf=self.kdf, salt=salt,
                nonce=b"", wrapped_dek=b"")
            kek = crypto.derive_kek(password, salt, self.kdf, secret)
            nonce, wrapped = crypto.wrap(kek, dek, head.aad())
            head = header_file.Header(head.vault_id, head.profile, head.created, head.kdf,
                                      salt, nonce, wrapped)
            pending = self._pending(secret)
            try:
                self._worker.call(self._open_db, dek, head, pending, True)
                header_file.write_atomic(
                    self.header_path,
                    head.to_bytes(crypto.subkey(secret, crypto.HEADER_MAC_INFO)))
                self._throttle.reset(crypto.subkey(secret, crypto.THROTTLE_MAC_INFO))
            except BaseException:
                self._worker.call(self._close_db, False)
                self._remove_db_files()
                crypto.wipe_buffer(dek)
                raise
            self._became_unlocked(dek)

    def unlock(self, password: str) -> None:
        """Open the vault; a no-op when it is already unlocked."""
        with self._exclusive():
            if self._open:
                return
            if not self.exists():
                raise VaultNotFound(self.profile)
            if not self.header_path.exists():
                raise VaultCorrupted("The vault header file is missing.")
            if not self.db_path.exists():
                raise VaultCorrupted("The vault database file is missing.")
            secret = self._device_secret(enrol=False)
            head = header_file.read(self.header_path,
                                    crypto.subkey(secret, crypto.HEADER_MAC_INFO), self.profile)
            throttle_key = self._admit_attempt(secret, "vault.unlock_failed")
            counted = self._throttle.record_failure(throttle_key)  # before the check
            started = time.perf_counter()
            kek = crypto.derive_kek(password, head.salt, head.kdf, secret)
            kdf_done = time.perf_counter()
            dek = crypto.unwrap(kek, head.nonce, head.wrapped_dek, head.aad())
            if dek is None:
                self._failed_attempt(*counted)
            self._throttle.reset(throttle_key)
            try:
                self._worker.call(self._open_db, dek, head, self._pending(secret), False)
            except BaseException:
                crypto.wipe_buffer(dek)
                raise
            self._became_unlocked(dek)
            self.last_unlock = UnlockTiming(kdf_done - started, time.perf_counter() - kdf_done)

    def _admit_attempt(self, secret: bytes, action: str) -> bytes:
        """The throttle key, once the throttle lets a password be tried; a refused attempt
        is recorded (``action``, outcome denied) and raises UnlockThrottled."""
        throttle_key = crypto.subkey(secret, crypto.THROTTLE_MAC_INFO)
        retry = self._throttle.retry_after(throttle_key)
        if retry > 0:
            self._record_quietly(action, "denied", {"reason": "throttled"})
            raise UnlockThrottled(retry)
        return throttle_key

    def _failed_attempt(self, failures: int, delay: float) -> NoReturn:
        self._record_quietly("vault.unlock_failed", "failure",
                             {"reason": "wrong_password", "failures": failures})
        self.bus.publish(events.UnlockFailed(self.profile, failures, delay))
        raise WrongPassword(failures, delay)

    def _became_unlocked(self, dek: bytearray) -> None:
        self._dek = dek
        self._open = True
        minutes = float(self.settings.get("vault.phi_purge_interval_minutes"))
        self._purger = Periodic(minutes * 60, self._purge_now, f"vault-purge-{self.profile}")
        self._purger.start()
        self.bus.publish(events.VaultUnlocked(self.profile))

    def _purge_now(self) -> int:
        return self.submit(lambda conn: purge_expired_rows(conn, self.clock())).result()

    def lock(self, reason: str = "manual") -> None:
        """Close the connection, overwrite the key and tell every listener to drop PHI."""
        with self._lifecycle:
            if not self._shut(purge=True):
                return
        self._record_quietly("vault.lock", "success", {"reason": reason})
        self.bus.publish(events.VaultLocked(self.profile, reason))

    def lock_now(self, reason: str) -> None:
        """Lock immediately for an OS screen lock or suspend (the caller checks policy)."""
        self.lock(reason)

    def _shut(self, purge: bool) -> bool:
        """Refuse new work, close the connection, overwrite the DEK; False if not open."""
        if not self._open and self._conn is None:
            return False
        self._open = False
        if self._purger is not None:
            self._purger.stop()
            self._purger = None
        try:
            self._worker.call(self._close_db, purge)
        finally:
            crypto.wipe_buffer(self._dek)
            self._dek = None
        return True

    def close(self) -> None:
        """Lock (if open) and stop the worker thread; the object is unusable afterwards."""
        self.lock("shutdown")
        self._worker.shutdown()

    def change_password(self, old: str, new: str) -> None:
        """Re-wrap the DEK under a new password (the database is not re-encrypted)."""
        with self._exclusive():
            if not self.header_path.exists():
                raise VaultNotFound(self.profile)
            check_password(new, int(self.settings.get("vault.password_min_length")),
                           self.profile)
            secret = self._device_secret(enrol=False)
            mac_key = crypto.subkey(secret, crypto.HEADER_MAC_INFO)
            head = header_file.read(self.header_path, mac_key, self.profile)
            throttle_key = self._admit_attempt(secret, "vault.password_change")
            counted = self._throttle.record_failure(throttle_key)  # before the check
            dek = crypto.unwrap(crypto.derive_kek(old, head.salt, head.kdf, secret),
                                head.nonce, head.wrapped_dek, head.aad())
            if dek is None:
                self._failed_attempt(*counted)
            try:
                salt = os.urandom(crypto.SALT_BYTES)
                fresh = header_file.Header(head.vault_id, head.profile, head.created, self.kdf,
                                           salt, b"", b"")
                nonce, wrapped = crypto.wrap(
                    crypto.derive_kek(new, salt, self.kdf, secret), dek, fresh.aad())
                fresh = header_file.Header(head.vault_id, head.profile, head.created, self.kdf,
                                           salt, nonce, wrapped)
                header_file.write_atomic(self.header_path, fresh.to_bytes(mac_key))
            finally:
                crypto.wipe_buffer(dek)
            self._throttle.reset(throttle_key)
        self._record_quietly("vault.password_change", "success", {})

    def wipe(self) -> None:
        """Crypto-shred: delete database, WAL/SHM, header and the keyring entry.

        Idempotent (a remote revoke may repeat it). Pending locked-state records are carried
        over, re-authenticated under a fresh device secret together with a ``vault.wipe``
        record, so the next enrolment still reports them.
        """
        with self._exclusive():
            was_open = self._shut(purge=False)
            existed = self.exists()
            keyring_problem: AgentDesktopError | None = None
            carried: list[dict[str, Any]] = []
            store: DeviceSecretStore | None = None
            try:
                store = self._secrets()
                old_secret = store.load()
                if old_secret is not None:
                    carried = self._pending(old_secret)
            except AgentDesktopError as err:  # keyring down: the files must go regardless
                keyring_problem, old_secret = err, None
            if old_secret is None and self._locked_log.path.exists():
                carried = [self._tamper_record("device_key_unavailable_at_wipe")]
            # Files first: even without a keyring, nothing readable stays on disk.
            self._remove_db_files()
            for extra in (self.header_path, self.header_path.with_name(HEADER_NAME + ".tmp"),
                          self._throttle.path):
                _shred(extra)
            try:
                if store is None:
                    raise keyring_problem or VaultStorageError("No keyring")
                store.delete()
                self._throttle.forget()
                self._locked_log.clear()
                key = crypto.subkey(store.create(), crypto.LOCKED_LOG_INFO)
                for record in carried:
                    self._locked_log.append(key, record)
                self._locked_log.append(key, {
                    "action": "vault.wipe", "outcome": "success",
                    "ts": utc_timestamp(self.clock()), "detail": {"existed": existed}})
            except AgentDesktopError as err:
                keyring_problem = err
        if was_open:
            self.bus.publish(events.VaultLocked(self.profile, "wipe"))
        self.bus.publish(events.VaultWiped(self.profile))
        if keyring_problem is not None:
            raise VaultStorageError(
                "The vault files were deleted, but the OS keyring could not be updated "
                f"({keyring_problem.message})", None, KEYRING_HINT)

    def quarantine(self) -> Path:
        """Move the vault's files aside (for a corrupted vault) and return where they went.

        The locked-state events and the device secret stay, so what happened is still
        reported and a specialist can still open the moved files with the password.
        """
        with self._exclusive():
            if not self.exists():
                raise VaultNotFound(self.profile)
            was_open = self._shut(purge=False)
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self.clock()))
            target = self.directory.parent / "quarantine" / f"{self.profile}-{stamp}"
            try:
                ensure_private_dir(target.parent)
                n = 1
                while target.exists():
                    n += 1
                    target = target.with_name(f"{self.profile}-{stamp}-{n}")
                ensure_private_dir(target)
                for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", HEADER_NAME,
                             THROTTLE_NAME):
                    source = self.directory / name
                    if source.exists():
                        os.replace(source, target / name)
                header_file.fsync_dir(self.directory)
            except OSError as err:
                raise VaultStorageError("Could not move the vault aside", err) from err
        if was_open:
            self.bus.publish(events.VaultLocked(self.profile, "quarantine"))
        self._record_quietly("vault.quarantine", "success", {})
        return target

    # --- on the vault thread -------------------------------------------------------------
    def _open_db(self, dek: bytearray, head: header_file.Header,
                 pending: list[dict[str, Any]], new: bool) -> None:
        if new:
            try:
                create_private_file(self.db_path)
            except OSError as err:
                raise VaultStorageError("Could not create the vault database", err) from err
        else:
            _refuse_plaintext(self.db_path)
            _refuse_empty(self.db_path)
        try:
            # used from the vault thread and, in transact(), from callers: always under
            # _conn_lock (SQLCipher is built serialized, THREADSAFE=1, so this is allowed)
            conn = sqlcipher3.connect(str(self.db_path), isolation_level=None,
                                      check_same_thread=False)
        except sqlcipher3.Error as err:
            raise VaultStorageError("The vault database could not be opened", err) from err
        try:
            _key(conn, dek)
            conn.execute("PRAGMA cipher_memory_security = ON")
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlcipher3.DatabaseError as err:
                if "not a database" in str(err):
                    raise VaultCorrupted(
                        "The vault database is damaged or does not belong to this header."
                    ) from err
                raise
            if not new:  # before anything is written: a foreign database stays as it was
                _check_vault_id(conn, head.vault_id)
            _pragmas(conn)
            _tighten(self.directory)
            self.vault_id = head.vault_id
            apply_migrations(conn, self._migrations, clock=self.clock)
            if new:
                conn.execute("INSERT INTO vault_meta (key, value) VALUES ('vault_id', ?)",
                             (head.vault_id,))
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                _refuse_plaintext(self.db_path)
            purge_expired_rows(conn, self.clock())
            self._run_hooks(conn, pending)
        except BaseException as err:
            conn.close()
            mapped = _storage_error(err) if isinstance(err, sqlcipher3.Error) else err
            if mapped is err:
                raise
            raise mapped from err
        self._conn = conn

    def _run_hooks(self, conn: Connection, pending: list[dict[str, Any]]) -> None:
        ok = bool(self._hooks)
        for hook in list(self._hooks):
            try:
                hook(conn, [dict(r) for r in pending])
            except Exception:  # a broken hook must not keep the agent out (logged)
                ok = False
                log.exception("vault unlock hook failed; locked-state events kept for later")
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        if ok:
            self._locked_log.clear()

    def _close_db(self, purge: bool) -> None:
        with self._conn_lock:  # after a transact() in progress, never under it
            self._close_db_locked(purge)

    def _close_db_locked(self, purge: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if purge:
                purge_expired_rows(conn, self.clock())
        except sqlcipher3.Error as err:
            log.error("could not purge expired cache entries at lock: %s", err)
        finally:
            conn.close()

    # --- files ---------------------------------------------------------------------------
    def _ensure_dir(self) -> None:
        try:
            ensure_private_dir(self.directory)
        except OSError as err:
            raise VaultStorageError("Could not create the vault folder", err) from err

    def _remove_db_files(self) -> None:
        for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", DB_NAME + "-journal"):
            try:
                (self.directory / name).unlink(missing_ok=True)
            except OSError as err:
                raise VaultStorageError(f"Could not delete {name}", err) from err


def _in_transaction(conn: Connection, fn: Callable[[Connection], T]) -> T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def _key(conn: Connection, dek: bytearray) -> None:
    # The raw-key form skips SQLCipher's own PBKDF2: our KDF already ran once per unlock.
    conn.execute(f"PRAGMA key = \"x'{dek.hex()}'\"")
    row = conn.execute("PRAGMA cipher_version").fetchone()
    if not row or not row[0]:
        raise VaultError("This build's SQLite has no SQLCipher; refusing to store data "
                         "unencrypted.", "Reinstall Agent Desktop.")


def _pragmas(conn: Connection) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise VaultStorageError(f"The vault could not switch to WAL journaling (got {mode})")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")


def _tighten(directory: Path) -> None:
    """SQLite gives -wal/-shm the database's mode; make sure of 0600 on every platform."""
    if os.name == "nt":
        return
    for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
        try:
            os.chmod(directory / name, 0o600)
        except FileNotFoundError:
            continue


def _check_vault_id(conn: Connection, vault_id: str) -> None:
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vault_meta'").fetchone()
    row = conn.execute("SELECT value FROM vault_meta WHERE key = 'vault_id'").fetchone() \
        if has_meta else None
    if row is None or row[0] != vault_id:
        raise HeaderTampered("The vault header belongs to another vault than this database.")


def _refuse_plaintext(db: Path) -> None:
    try:
        with open(db, "rb") as fh:
            first = fh.read(len(SQLITE_MAGIC))
    except OSError as err:
        raise VaultStorageError("The vault database could not be read", err) from err
    if first == SQLITE_MAGIC:
        raise VaultCorrupted("The vault database file is plain, unencrypted SQLite; "
                             "refusing to use it.")


def _refuse_empty(db: Path) -> None:
    try:
        empty = db.stat().st_size == 0
    except OSError as err:
        raise VaultStorageError("The vault database could not be read", err) from err
    if empty:
        raise VaultCorrupted("The vault database file is empty (0 bytes): it does not hold "
                             "this vault's data.")


def _storage_error(err: BaseException) -> BaseException:
    text = str(err).lower()
    if "full" in text:
        return VaultStorageError("The disk holding the vault is full", err)
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return VaultStorageError("The vault folder is read-only or cannot be opened", err)
    if "disk i/o" in text:
        return VaultStorageError("The disk reported an I/O error for the vault", err)
    if "not a database" in text or "malformed" in text:
        return VaultCorrupted("The vault database is damaged.")
    return err


def _shred(path: Path) -> None:
    """Overwrite a small file before unlinking it (the header holds the wrapped DEK)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    try:
        with open(path, "r+b") as fh:
            fh.write(b"\0" * size)
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()
    except OSError as err:
        raise VaultStorageError(f"Could not delete {path.name}", err) from err


def _failed(err: BaseException) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_exception(err)
    return future
