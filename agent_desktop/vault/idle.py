"""Idle auto-lock: the UI reports input activity, the tracker locks after the policy's time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from agent_desktop.policy import Settings
from agent_desktop.vault.events import VaultUnlocked

if TYPE_CHECKING:
    from agent_desktop.vault.vault import Vault


class IdleTracker:
    """Locks ``vault`` when no activity was reported for ``vault.idle_lock_minutes``.

    ``check()`` does one evaluation (tests drive it with a fake clock); ``start()`` runs it
    on a daemon thread every ``poll_seconds`` of real time.
    """

    def __init__(self, vault: Vault, settings: Settings,
                 clock: Callable[[], float] = time.monotonic, poll_seconds: float = 5.0) -> None:
        self.vault = vault
        self.settings = settings
        self.clock = clock
        self.poll_seconds = poll_seconds
        self._last = clock()
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Unlocking is activity: time spent locked must not count towards the next lock.
        vault.bus.subscribe(VaultUnlocked, self._on_unlocked)

    def _on_unlocked(self, event: VaultUnlocked) -> None:
        if event.profile == self.vault.profile:
            self.activity()

    @property
    def timeout_seconds(self) -> float:
        return float(self.settings.get("vault.idle_lock_minutes")) * 60.0

    def activity(self) -> None:
        """Input happened (key press, mouse move, call answered): restart the idle clock."""
        with self._guard:
            self._last = self.clock()

    def idle_seconds(self) -> float:
        with self._guard:
            return max(0.0, self.clock() - self._last)

    def check(self) -> bool:
        """Lock now if idle long enough; True when this call locked the vault."""
        if not self.vault.unlocked or self.idle_seconds() < self.timeout_seconds:
            return False
        self.vault.lock("idle")
        # Idle time restarts after a lock, so an unlock does not instantly re-lock.
        self.activity()
        return True

    def screen_locked(self, reason: str = "screen_lock") -> bool:
        """The OS reported a screen lock or suspend: lock if policy says so (the default)."""
        if not bool(self.settings.get("vault.lock_on_screen_lock")) or not self.vault.unlocked:
            return False
        self.vault.lock_now(reason)
        return True

    def start(self) -> IdleTracker:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="vault-idle", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            self.check()
