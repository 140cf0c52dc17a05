"""Keeps the server's view of the agent current: one thread publishes the latest status when
it changes and every ``presence.heartbeat_seconds`` otherwise.

``update()`` only stores the status and wakes the thread, so the workstation may call it
from any thread (the SIP thread, the GUI thread) without waiting on the network. A status
that changed while the server was unreachable is simply replaced by newer ones: only the
latest matters, and the next successful heartbeat delivers it. Results and errors go to
the callbacks on the publisher's thread (the workstation hands them on to its executor).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from agent_desktop.presence.client import PresenceClient, Published
from agent_desktop.presence.roster import PresenceError
from agent_desktop.presence.states import AgentStatus

log = logging.getLogger(__name__)
MAX_RETRY_SECONDS = 30.0
SIGN_OUT_TIMEOUT = (3.0, 5.0)  # shutdown waits at most this long for the "offline" report


class SettingsLike(Protocol):
    def get(self, name: str) -> Any: ...


class PresencePublisher:
    def __init__(self, client: PresenceClient, *, heartbeat_seconds: float,
                 on_published: Callable[[Published], None] | None = None,
                 on_error: Callable[[PresenceError], None] | None = None) -> None:
        if heartbeat_seconds <= 0:
            raise ValueError("heartbeat_seconds must be positive")
        self._client = client
        self.heartbeat_seconds = float(heartbeat_seconds)
        self._on_published = on_published
        self._on_error = on_error
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._latest: AgentStatus | None = None
        self._failures = 0
        self._sign_out = True
        self._thread: threading.Thread | None = None
        self.last_published: Published | None = None
        self.last_error: PresenceError | None = None
        self.signed_out = False

    @classmethod
    def for_settings(cls, client: PresenceClient, settings: SettingsLike, **kwargs: Any) -> PresencePublisher:
        return cls(client, heartbeat_seconds=float(settings.get("presence.heartbeat_seconds")), **kwargs)

    # --- any thread ---------------------------------------------------------------------------
    def update(self, status: AgentStatus) -> None:
        """Publish ``status`` as soon as the thread can; never blocks on the network."""
        with self._lock:
            self._latest = status
        self._wake.set()

    def latest(self) -> AgentStatus | None:
        with self._lock:
            return self._latest

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the presence publisher is already started")
        self._thread = threading.Thread(target=self._run, name="presence", daemon=True)
        self._thread.start()

    def stop(self, *, sign_out: bool = True, timeout: float = 30.0) -> None:
        """Stop the thread; with ``sign_out`` it tells the server the agent is offline first."""
        self._sign_out = sign_out
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the presence thread did not stop within %.0f s", timeout)
            self._thread = None

    # --- the publisher's thread ---------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping.is_set():
            self._publish_latest()
            self._wake.wait(self._next_wait())
            self._wake.clear()
        if self._sign_out and self.latest() is not None:
            self._signed_out()

    def _next_wait(self) -> float:
        if self._failures == 0:
            return self.heartbeat_seconds
        # back off while the server is away, but never wait longer than a heartbeat
        return min(self.heartbeat_seconds, MAX_RETRY_SECONDS, 0.5 * 2 ** min(self._failures, 8))

    def _publish_latest(self) -> None:
        status = self.latest()
        if status is None:
            return
        try:
            result = self._client.publish(status)
        except PresenceError as err:
            self._failures += 1
            self.last_error = err
            log.warning("presence not published: %s", err.message)
            self._deliver(self._on_error, err)
            return
        self._failures = 0
        self.last_error = None
        self.last_published = result
        self._deliver(self._on_published, result)

    def _deliver(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        if callback is None:
            return
        try:
            callback(value)
        except Exception:  # a consumer's bug must not stop the heartbeat
            log.exception("a presence callback failed")

    def _signed_out(self) -> None:
        try:
            self._client.sign_out(timeout=SIGN_OUT_TIMEOUT)
        except PresenceError as err:  # the server will show offline after its timeout anyway
            self.last_error = err
            log.info("sign-out not delivered: %s", err.message)
            return
        self.signed_out = True
