"""The demo's simulated caller: a pjsua2 process (TLS + SRTP, like any far end) that calls
the agent on a schedule and on demand, and plays the voice prompt once answered.

Its SIP user is the demo patient's phone number, so the agent's screen pop finds the
patient exactly as it would for a real caller.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent_desktop.demo.kamailio import Kamailio
from agent_desktop.demo.sip_peer import PeerError, PeerProcess

log = logging.getLogger(__name__)
MEDIA_ACTIVE = 1  # pjsua_call_media_status PJSUA_CALL_MEDIA_ACTIVE


class SimulatedCaller:
    def __init__(self, kamailio: Kamailio, number: str, password: str, prompt: Path, log_dir: Path,
                 *, agent: str = "agent", every_seconds: float = 0.0, first_after_seconds: float = 0.0,
                 hang_up_after_seconds: float = 120.0,
                 on_change: Callable[[str], None] | None = None) -> None:
        """The first call after ``first_after_seconds`` (0: none), then every ``every_seconds``
        (0: only :meth:`call_now`). ``on_change(what)`` hears
        "calling", "answered", "ended" and "failed: ..." (on the caller's own thread)."""
        self.kamailio = kamailio
        self.number = number
        self.password = password
        self.prompt = prompt
        self.agent_uri = kamailio.uri(agent)
        self.every = every_seconds
        self.first_after = first_after_seconds
        self.hang_up_after = hang_up_after_seconds
        self.on_change = on_change
        self._log_dir = log_dir
        self._peer: PeerProcess | None = None
        self._jobs: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._stop = threading.Event()
        self._call: int | None = None
        self._hangup_timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._threads: list[threading.Thread] = []
        self.calls_placed = 0

    def start(self) -> SimulatedCaller:
        self._peer = PeerProcess("caller", self._log_dir, on_event=self._on_peer_event)
        self._peer.start(self.kamailio.registrar, self.number, self.password, self.kamailio.pki.ca_file)
        self._spawn(self._work, "demo-caller")
        return self

    def begin(self) -> None:
        """Start the schedule (once whoever answers is listening): the first call after
        ``first_after_seconds``, then every ``every_seconds``."""
        if self.every > 0 or self.first_after > 0:
            self._spawn(self._schedule, "demo-caller-schedule")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    @property
    def in_call(self) -> bool:
        return self._call is not None

    def wait_idle(self, timeout: float) -> bool:
        """Until no call is up (True), or ``timeout`` seconds (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._call is None, timeout)

    def call_now(self) -> bool:
        """Ring the agent now (the banner's "Call me now"); False while a call is up."""
        with self._lock:
            if self._call is not None or self._stop.is_set():
                return False
            self._call = -1  # placing: a second press must not place a second call
        self._jobs.put(("call", {}))
        return True

    # --- the caller's thread: the peer's reader thread must never wait on a reply -----------
    def _on_peer_event(self, event: dict[str, Any]) -> None:
        self._jobs.put(("event", event))

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            kind, event = job
            try:
                if kind == "call":
                    self._place()
                elif kind == "hangup":
                    self._hang_up()
                else:
                    self._handle(event)
            except PeerError as err:
                self._ended(f"failed: {err}")

    def _place(self) -> None:
        assert self._peer is not None
        reply = self._peer.cmd("call", uri=self.agent_uri)
        with self._lock:
            self._call = int(reply["call"])
        self.calls_placed += 1
        self._tell("calling")

    def _handle(self, event: dict[str, Any]) -> None:
        if event.get("call") != self._call:
            return
        if event["event"] == "media" and event["status"] == MEDIA_ACTIVE:
            assert self._peer is not None
            self._peer.cmd("play", call=self._call, path=str(self.prompt))
            self._tell("answered")
            self._hangup_timer = threading.Timer(self.hang_up_after, self._jobs.put, (("hangup", {}),))
            self._hangup_timer.daemon = True
            self._hangup_timer.start()
        elif event["event"] == "call_state" and event["state"] == "disconnected":
            self._ended("ended")

    def _hang_up(self) -> None:
        if self._peer is not None and self._call is not None and self._call >= 0:
            self._peer.cmd("hangup", call=self._call)

    def _ended(self, what: str) -> None:
        if self._hangup_timer is not None:
            self._hangup_timer.cancel()
            self._hangup_timer = None
        with self._idle:
            self._call = None
            self._idle.notify_all()
        self._tell(what)

    def _tell(self, what: str) -> None:
        if self.on_change is not None:
            self.on_change(what)

    def _schedule(self) -> None:
        wait = self.first_after if self.first_after > 0 else self.every
        while not self._stop.wait(wait):
            self.call_now()
            if self.every <= 0:
                return
            wait = self.every

    def stop(self) -> None:
        self._stop.set()
        if self._hangup_timer is not None:
            self._hangup_timer.cancel()
        self._jobs.put(None)
        for thread in self._threads:
            thread.join(timeout=20)
        if self._peer is not None:
            self._peer.close()  # hangs up what is left, unregisters, ends the process
            self._peer = None
