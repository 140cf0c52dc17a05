"""Failed-unlock throttling, persisted beside the vault so a restart does not reset it.

After ``free_attempts`` failures each further attempt waits 5 s, 10 s, 20 s ... up to the
policy's maximum. The state is kept twice, each copy MACed with a key from the device
secret: in ``throttle.json`` and in the OS keyring (the anchor), and the higher count wins.
Deleting the file leaves the anchor; a state that fails its check, or a vault with neither
copy (both deleted), is treated as "throttled now", so an edit can never buy more guesses.

An attempt is counted *before* its password is checked (and the count cleared after a
success): an attempt whose count cannot be stored is refused unchecked, and a process
killed during key derivation has used up its guess. The vault holds its cross-process
profile lock around check, derivation and count, so parallel attempts queue.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keyring.backend
import keyring.errors

from agent_desktop.errors import AgentDesktopError
from agent_desktop.vault import crypto
from agent_desktop.vault.errors import KEYRING_HINT, VaultStorageError
from agent_desktop.vault.header import canonical, write_atomic

log = logging.getLogger(__name__)
BASE_DELAY_SECONDS = 5.0


@dataclass(frozen=True)
class ThrottleState:
    failures: int
    last_failure: float


class ThrottleAnchor:
    """The keyring copy of the throttle state (one entry per profile)."""

    def __init__(self, backend: Callable[[], keyring.backend.KeyringBackend], service: str,
                 profile: str) -> None:
        self._backend = backend
        self._service = service
        self._user = f"vault-throttle:{profile}"

    def get(self) -> str | None:
        try:
            value: str | None = self._backend().get_password(self._service, self._user)
        except keyring.errors.KeyringError as err:
            raise VaultStorageError("The OS keyring could not be read", err, KEYRING_HINT) from err
        return value

    def set(self, value: str) -> None:
        try:
            self._backend().set_password(self._service, self._user, value)
        except keyring.errors.KeyringError as err:
            raise VaultStorageError("The OS keyring refused the unlock counter", err,
                                    KEYRING_HINT) from err

    def delete(self) -> None:
        try:
            self._backend().delete_password(self._service, self._user)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored
        except keyring.errors.KeyringError as err:
            raise VaultStorageError("The OS keyring could not clear the unlock counter",
                                    err, KEYRING_HINT) from err


class Throttle:
    def __init__(self, path: Path, free_attempts: int, max_seconds: float,
                 clock: Callable[[], float], anchor: ThrottleAnchor | None = None,
                 expected: Callable[[], bool] = lambda: False) -> None:
        """``expected()`` says whether a state must exist (the vault does): then a missing
        file *and* anchor read as tampered, not as "no failures"."""
        self.path = path
        self.free_attempts = free_attempts
        self.max_seconds = max_seconds
        self.clock = clock
        self.anchor = anchor
        self._expected = expected

    def delay_after(self, failures: int) -> float:
        if failures < self.free_attempts:
            return 0.0
        exponent = min(failures - self.free_attempts, 32)
        return float(min(self.max_seconds, BASE_DELAY_SECONDS * 2**exponent))

    def peek(self) -> ThrottleState:
        """The higher of the stored copies, unauthenticated (for status displays only; a
        keyring that cannot be read leaves the file's copy)."""
        texts = [self._file_text()]
        if self.anchor is not None:
            try:
                texts.append(self.anchor.get())
            except AgentDesktopError:
                pass  # status must work without a (loadable) keyring
        states = [ThrottleState(0, 0.0)]
        for text in texts:
            try:
                states.append(_parse(json.loads(text or "")))
            except (ValueError, KeyError, TypeError):
                continue
        return max(states, key=lambda st: (st.failures, st.last_failure))

    def load(self, key: bytes) -> ThrottleState:
        copies: list[ThrottleState] = []
        tampered = False
        for text in (self._file_text(), self.anchor.get() if self.anchor else None):
            if text is None:
                continue
            state = _verified(key, text)
            if state is None:
                tampered = True
            else:
                copies.append(state)
        if not copies and not tampered and self._expected():
            tampered = True  # both copies gone: deleted to reset the count
        if not tampered:
            return max(copies, key=lambda s: (s.failures, s.last_failure),
                       default=ThrottleState(0, 0.0))
        log.warning("vault throttle state failed its integrity check; throttling now")
        known = max([self.peek().failures, *(s.failures for s in copies)])
        state = ThrottleState(max(self.free_attempts, known), self.clock())
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
        """Count one more failure now; returns (failures, delay before the next attempt)."""
        state = ThrottleState(self.load(key).failures + 1, self.clock())
        self._store(key, state)
        return state.failures, self.delay_after(state.failures)

    def reset(self, key: bytes) -> None:
        self._store(key, ThrottleState(0, 0.0))

    def forget(self) -> None:
        """Drop the anchor (wipe): a new vault starts from its own zero state."""
        if self.anchor is not None:
            self.anchor.delete()

    def _file_text(self) -> str | None:
        try:
            return self.path.read_text()
        except FileNotFoundError:
            return None
        except OSError:
            return ""  # unreadable counts as tampered

    def _store(self, key: bytes, state: ThrottleState) -> None:
        data: dict[str, object] = {"failures": state.failures, "last_failure": state.last_failure}
        data["mac"] = crypto.mac(key, canonical(data))
        text = json.dumps(data)
        # the anchor first: the count is kept if the file cannot be written (a full disk
        # must not lock the agent out, nor leave an attempt uncounted)
        if self.anchor is None:
            write_atomic(self.path, text.encode())
            return
        self.anchor.set(text)
        try:
            write_atomic(self.path, text.encode())
        except VaultStorageError as err:
            log.warning("throttle file not written, the keyring copy holds the count: %s", err)


def _parse(data: dict[str, object]) -> ThrottleState:
    return ThrottleState(int(data["failures"]), float(data["last_failure"]))  # type: ignore[call-overload,arg-type]


def _verified(key: bytes, text: str) -> ThrottleState | None:
    try:
        data = json.loads(text)
        mac = data.pop("mac")
        if crypto.mac_ok(key, canonical(data), mac):
            return _parse(data)
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    return None
