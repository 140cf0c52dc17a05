"""Recording policy at work: which calls are recorded, the notice first, the encrypted file.

``recording.mode``: "never" (nothing can start a recording), "on_demand" (the agent starts
and stops it), "all_calls" (every answered call, from the answer to its end). With
``recording.announce`` both sides hear the notice (``recording.announcement_file`` or three
beeps) before the first frame is recorded. Starting needs the vault unlocked (the file is
indexed and the start audited before any audio is kept); a recording then runs to its end
whatever happens to the vault, and is indexed as finished at the next unlock if need be.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from agent_desktop.bus import EventBus, OrderedWorker, Subscription
from agent_desktop.errors import AgentDesktopError
from agent_desktop.phone import events as pev
from agent_desktop.phone.recording_events import CallRecordingChanged
from agent_desktop.policy import Settings
from agent_desktop.recordings.store import TIMEOUT, RecordingError, RecordingStore
from agent_desktop.recordings.writer import EncryptedWriter
from agent_desktop.vault.events import VaultUnlocked

log = logging.getLogger(__name__)
TONE = "tone"


class RecordingService:
    def __init__(self, store: RecordingStore, phone: Callable[[], Any], settings: Callable[[], Settings],
                 bus: EventBus) -> None:
        self.store = store
        self._phone = phone
        self._settings = settings
        self.bus = bus
        self._active: dict[str, EncryptedWriter] = {}
        self._unfinished: list[tuple[str, EncryptedWriter, str]] = []
        self._worker = OrderedWorker("recordings")
        self._subs: list[Subscription] = [
            bus.subscribe(pev.CallAnswered, lambda e: self._worker.queue(self._answered, e)),
            bus.subscribe(CallRecordingChanged, lambda e: self._worker.queue(self._changed, e)),
            bus.subscribe(VaultUnlocked, lambda e: self._worker.queue(self._retry_unfinished)),
        ]

    @property
    def mode(self) -> str:
        return str(self._settings().get("recording.mode"))

    def _answered(self, event: pev.CallAnswered) -> None:
        if self.mode == "all_calls":
            try:
                self._start(event.call_id)
            except AgentDesktopError as err:
                log.error("call %s is not recorded: %s", event.call_id, err.message)

    # --- the agent's commands (blocking) -----------------------------------------------------
    def start(self, call_id: str) -> None:
        if self.mode != "on_demand":
            raise RecordingError(
                "Your organisation's policy does not let agents start recordings "
                f"(recording.mode is {self.mode}).",
                "Calls are recorded automatically" if self.mode == "all_calls" else
                "Ask IT if calls should be recordable.")
        self._worker.call(self._start, call_id, timeout=TIMEOUT)

    def stop(self, call_id: str) -> None:
        if self.mode == "all_calls":
            raise RecordingError("Policy records every call from answer to end.",
                                 "The recording stops when the call ends.")
        phone = self._phone()
        if phone is not None:
            phone.stop_recording(call_id).result(TIMEOUT)

    def recording(self, call_id: str) -> bool:
        return call_id in self._active

    # --- on the service's worker ------------------------------------------------------------
    def _start(self, call_id: str) -> None:
        phone = self._phone()
        if phone is None or self.mode == "never":
            raise RecordingError("The call cannot be recorded now.", "Sign in and try again.")
        if call_id in self._active:
            return
        settings = self._settings()
        announcement: str | None = None
        if settings.get("recording.announce"):
            announcement = str(settings.get("recording.announcement_file") or "") or TONE
        writer = self.store.begin(call_id, {"mode": self.mode, "announced": announcement is not None})
        self._active[call_id] = writer
        try:
            phone.start_recording(call_id, writer, announcement=announcement).result(TIMEOUT)
        except BaseException as err:
            self._active.pop(call_id, None)
            writer.close()
            self._finish(call_id, writer, "failed")
            if isinstance(err, AgentDesktopError):
                raise
            raise RecordingError(f"The recording did not start ({type(err).__name__}).",
                                 "Try again; the call itself is not affected.") from err

    def _changed(self, event: CallRecordingChanged) -> None:
        if event.state != "stopped":
            return
        writer = self._active.pop(event.call_id, None)
        if writer is not None:
            self._finish(event.call_id, writer, event.reason)

    def _finish(self, call_id: str, writer: EncryptedWriter, reason: str) -> None:
        result = writer.done.result(TIMEOUT)
        try:
            self.store.finish(call_id, result, reason)
        except AgentDesktopError as err:  # the vault locked during the call: index it later
            log.info("recording %s indexed at the next unlock (%s)", result.recording_id[:4],
                     err.message)
            self._unfinished.append((call_id, writer, reason))

    def _retry_unfinished(self) -> None:
        waiting, self._unfinished = self._unfinished, []
        for call_id, writer, reason in waiting:
            self._finish(call_id, writer, reason)

    def drain(self, timeout: float = TIMEOUT) -> None:
        """Wait until every queued start and finish is done (before the vault locks)."""
        self._worker.drain(timeout)

    def close(self) -> None:
        for sub in self._subs:
            self.bus.unsubscribe(sub)
        self._subs.clear()
        self._worker.close()
