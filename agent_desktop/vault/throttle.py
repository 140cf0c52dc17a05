"""Failed-unlock throttling, persisted beside the vault so a restart does not reset it.

After ``free_attempts`` failures each further attempt waits 5 s, 10 s, 20 s ... up to the
policy's maximum. The state file is MACed with a key from the device secret; a state file
that fails its check (edited to reset the counter) is treated as "throttled now" so an edit
can never buy more guesses.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent_desktop.vault import crypto
from agent_desktop.vault.header import canonical, write_atomic

log = logging.getLogger(__name__)
BASE_DELAY_SECONDS = 5.0


@dataclass(frozen=True)
class ThrottleState:
    failures: int
    last_failure: float


class Throttle:
    def __init__(self, path: Path, free_attempts: int, max_seconds: float,
                 clock: Callable[[], float]) -> None:
        self.path = path
        self.free_attempts = free_attempts
        self.max_seconds = max_seconds
        self.clock = clock

    def delay_after(self, failures: int) -> float:
        if failures < self.free_attempts:
            return 0.0
        exponent = min(failures - self.free_attempts, 32)
        return float(min(self.max_seconds, BASE_DELAY_SECONDS * 2**exponent))

    def peek(self) -> ThrottleState:
        """The state as stored, unauthenticated (for status displays only)."""
        try:
            data = json.loads(self.path.read_text())
            return ThrottleState(int(data["failures"]), float(data["last_failure"]))
        except (OSError, ValueError, KeyError, TypeError):
            return ThrottleState(0, 0.0)

    def load(self, key: bytes) -> ThrottleState:
        if not self.path.exists():
            return ThrottleState(0, 0.0)
        try:
            data = json.loads(self.path.read_text())
            mac = data.pop("mac")
            if crypto.mac_ok(key, canonical(data), mac):
                return ThrottleState(int(data["failures"]), float(data["last_failure"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # unreadable counts as tampered, handled below
        log.warning("vault throttle state failed its integrity check; throttling now")
        state = ThrottleState(max(self.free_attempts, self.peek().failures), self.clock())
        self._store(key, state)
        return state

    def retry_after(self, key: bytes) -> float:
        return self._remaining(self.load(key))

    def _remaining(self, state: ThrottleState) -> float:
        if state.failures == 0:
            return 0.0
        return max(0.0, state.last_failure + self.delay_after(state.failures) - self.clock())

    def status(self) -> tuple[int, float]:
        state = self.peek()
        return state.failures, self._remaining(state)

    def record_failure(self, key: bytes) -> tuple[int, float]:
        state = ThrottleState(self.load(key).failures + 1, self.clock())
        self._store(key, state)
        return state.failures, self.delay_after(state.failures)

    def reset(self, key: bytes) -> None:
        if self.path.exists():
            self._store(key, ThrottleState(0, 0.0))

    def _store(self, key: bytes, state: ThrottleState) -> None:
        data: dict[str, object] = {"failures": state.failures, "last_failure": state.last_failure}
        data["mac"] = crypto.mac(key, canonical(data))
        write_atomic(self.path, json.dumps(data).encode())
