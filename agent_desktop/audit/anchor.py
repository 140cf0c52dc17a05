"""The outbox head, anchored outside the vault database (in the OS keyring).

Copying an older ``vault.db`` back needs no key, and would silently erase every event
recorded since (PHI reveals included): the chain inside the copy is intact, only shorter.
The anchor remembers the head (seq and hash) the outbox reached, so an unlock that finds
the database behind it knows events were removed.

Written after the commit it describes, never before: on lock, after each sync, and while
events are recorded at most every ``interval`` seconds, from a timer thread so ``record``
never waits on the keyring (a Secret Service write costs milliseconds). The window an
attacker can still cut is therefore the events of the last ``interval`` seconds before a
crash or kill (a clean lock anchors the exact head).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from agent_desktop.errors import AgentDesktopError

log = logging.getLogger(__name__)
ANCHOR_NAME = "audit-outbox-head"
ANCHOR_INTERVAL_SECONDS = 2.0


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str

    def encode(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def decode(cls, text: str) -> Head | None:
        seq, _, digest = text.partition(":")
        try:
            return cls(int(seq), digest)
        except ValueError:
            return None


@dataclass(frozen=True)
class Rollback:
    """The database's head was behind its anchor at unlock."""

    anchored: Head
    found_seq: int

    def detail(self) -> dict[str, object]:
        """PHI-free detail of the alert event: a reason code and how many events are gone
        (capped: audit detail numbers stay small)."""
        missing = max(0, self.anchored.seq - self.found_seq)
        return {"reason": "outbox_behind_anchor" if missing else "outbox_forked",
                "events_missing": min(missing, 999_999)}

    @property
    def problem(self) -> str:
        return (f"the outbox was rolled back: the database ends at seq {self.found_seq}, but "
                f"seq {self.anchored.seq} had been recorded (an older vault.db was copied "
                "back); the alert is in the chain")


class OutboxAnchor:
    def __init__(self, read: Callable[[str], str | None], write: Callable[[str, str], None],
                 *, interval: float = ANCHOR_INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._read = read
        self._write = write
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one keyring write at a time, in head order
        self._latest: Head | None = None
        self._written: Head | None = None
        self._last_write = float("-inf")
        self._timer: threading.Timer | None = None

    def read(self) -> Head | None:
        raw = self._read(ANCHOR_NAME)
        return Head.decode(raw) if raw else None

    def note(self, head: Head) -> None:
        """A committed head; anchored within ``interval`` seconds (never blocks)."""
        with self._lock:
            if self._latest is not None and head.seq <= self._latest.seq:
                return
            self._latest = head
            if self._timer is not None:
                return
            timer = self._new_timer(max(0.0, self._last_write + self.interval - self._clock()))
        timer.start()

    def _new_timer(self, delay: float) -> threading.Timer:
        """The one pending timer (caller holds ``_lock``; starts it after releasing)."""
        timer = threading.Timer(delay, self._timed)
        timer.daemon = True
        timer.name = "audit-anchor"
        self._timer = timer
        return timer

    def _timed(self) -> None:
        with self._lock:
            self._timer = None
        self.flush(quiet=True)

    def flush(self, quiet: bool = False) -> None:
        """Anchor the latest committed head now (on lock, after a sync, at shutdown)."""
        with self._write_lock:
            with self._lock:
                head = self._latest
                if head is None or head == self._written:
                    return
                self._last_write = self._clock()
            try:
                self._write(ANCHOR_NAME, head.encode())
            except AgentDesktopError as err:
                if not quiet:
                    raise
                log.error("could not anchor the audit outbox head: %s", err)
                return
            with self._lock:
                self._written = head

    def flush_soon(self) -> None:
        """Anchor the latest head from the timer thread now (for callers that must not
        wait on the keyring, e.g. bus listeners on the sync thread)."""
        with self._lock:
            if self._latest is None or self._latest == self._written or self._timer is not None:
                return
            timer = self._new_timer(0.0)
        timer.start()

    def forget(self) -> None:
        """The vault was wiped: the next chain starts from seq 1 under a new vault id."""
        with self._lock:
            timer, self._timer = self._timer, None
            self._latest = self._written = None
        if timer is not None:
            timer.cancel()

    def reset(self, head: Head) -> None:
        """Anchor ``head`` now, even below the previous anchor (after a detected rollback)."""
        with self._write_lock:
            self._write(ANCHOR_NAME, head.encode())
            with self._lock:
                self._latest = self._written = head
                self._last_write = self._clock()

    def close(self) -> None:
        """Cancel a pending timer and anchor what it would have written."""
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            if timer is not threading.current_thread():
                timer.join(5.0)  # a lock or shutdown leaves no anchor thread behind
        self.flush(quiet=True)
