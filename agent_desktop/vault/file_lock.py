"""A lock shared by every process of this user: an advisory lock on a small file.

Two processes (the desktop and a CLI, or two CLIs) must never interleave a vault's
lifecycle steps: the throttle's check, key derivation and count; create; wipe. Reentrant
within one object (a lifecycle step may record a locked-state event while holding it).
The lock file holds nothing and may stay behind; the OS releases the lock if the process
dies.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from types import TracebackType

from agent_desktop.vault.errors import VaultStorageError

if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # retries for ~10 s, then raises
                return
            except OSError:
                continue

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def __enter__(self) -> FileLock:
        self._local.acquire()
        try:
            if self._depth == 0:
                self._fd = self._acquire()
            self._depth += 1
        except BaseException:
            self._local.release()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self._depth -= 1
            if self._depth == 0 and self._fd is not None:
                fd, self._fd = self._fd, None
                try:
                    _unlock(fd)
                finally:
                    os.close(fd)
        finally:
            self._local.release()

    def _acquire(self) -> int:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        except OSError as err:
            try:  # a read-only file system: an existing lock file still locks
                fd = os.open(self.path, os.O_RDONLY)
            except OSError:
                raise VaultStorageError(f"Could not open the lock file {self.path.name}",
                                        err) from err
        try:
            _lock(fd)
        except BaseException:
            os.close(fd)
            raise
        return fd
