"""Denied requests (401/403), counted in memory and written in aggregate.

Writing a row per denied request let one unauthenticated client make the server write
hundreds of rows a second. Denials are counted per (method, path, status, reason, client)
and flushed as one row per key with its count and first/last time: at most every
``flush_interval`` seconds, when ``max_keys`` distinct keys are pending, before auditors
read them, and at shutdown.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from agent_desktop.audit.event import utc_timestamp
from agent_desktop.server.db import Database

log = logging.getLogger(__name__)
Key = tuple[str, str, int, str, str | None]


@dataclass
class _Pending:
    count: int
    first_ts: str
    last_ts: str


class DenialLog:
    def __init__(self, db: Database, clock: Callable[[], float], *, flush_interval: float = 5.0,
                 max_keys: int = 500) -> None:
        self.db, self.clock = db, clock
        self.flush_interval, self.max_keys = flush_interval, max_keys
        self._lock = threading.Lock()
        self._pending: dict[Key, _Pending] = {}
        self._last_flush = clock()

    def add(self, method: str, path: str, status: int, reason: str, client: str | None) -> None:
        now = self.clock()
        ts = utc_timestamp(now)
        key = (method[:16], path[:300].replace("\x00", "?"), status, reason[:300].replace("\x00", "?"), client)
        with self._lock:
            pending = self._pending.get(key)
            if pending is None:
                self._pending[key] = _Pending(1, ts, ts)
            else:
                pending.count += 1
                pending.last_ts = ts
            due = len(self._pending) >= self.max_keys or now - self._last_flush >= self.flush_interval
        if due:
            self.flush()

    def flush(self) -> None:
        """Write what is pending (one row per key); on failure keep it for the next flush."""
        with self._lock:
            pending, self._pending = self._pending, {}
            self._last_flush = self.clock()
        if not pending:
            return
        try:
            with self.db.transaction():
                self.db.executemany(
                    "INSERT INTO denials (ts, first_ts, count, method, path, status, reason, client)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(p.last_ts, p.first_ts, p.count, *key) for key, p in pending.items()])
        except Exception:  # the denials must still be answered (and kept) if recording fails
            log.exception("could not record denied requests")
            with self._lock:
                for key, p in pending.items():
                    mine = self._pending.setdefault(key, _Pending(0, p.first_ts, p.last_ts))
                    mine.count += p.count
                    mine.first_ts = min(mine.first_ts, p.first_ts)
