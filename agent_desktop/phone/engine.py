"""The softphone's public API: plain Python, callable from any thread.

Every method queues work for the SIP thread and returns a ``concurrent.futures.Future``;
pjsua2 objects never leave that thread. Results and everything that happens on its own
(incoming calls, state changes, SRTP, quality) arrive as events on the core bus.

    phone = Phone(PhoneConfig.from_settings(settings), bus)
    phone.start()
    phone.register(credentials).result(10)      # RegistrationChanged
    call_id = phone.dial("555 0100").result(5)
    phone.hangup(call_id)
    phone.stop()
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from agent_desktop.bus import EventBus
from agent_desktop.phone import events as ev
from agent_desktop.phone.agent_state import AgentState
from agent_desktop.phone.config import PhoneConfig
from agent_desktop.phone.credentials import SipCredentials
from agent_desktop.phone.errors import PhoneError, PhoneNotRunning
from agent_desktop.phone.probe import AudioDevice
from agent_desktop.phone.recording import FrameSink
from agent_desktop.phone.sip_thread import DeviceLayerFactory, SipThread

T = TypeVar("T")


class Phone:
    def __init__(self, config: PhoneConfig, bus: EventBus, *,
                 device_layer: DeviceLayerFactory | None = None,
                 capture_file: Path | None = None, poll_ms: int = 5, idle_poll_ms: int = 30,
                 clock: Callable[[], float] = time.monotonic, monitor_gate: Any = None) -> None:
        """``monitor_gate``: a ``MonitorGate`` that verifies team leads' grants (None: every
        monitoring request is refused); ``capture_file``: a WAV looped as the microphone (headless demo, tests);
        ``device_layer``: builds the audio device layer from the Endpoint (injected fakes);
        ``poll_ms``/``idle_poll_ms``: libHandleEvents timeout around activity / when idle."""
        self.config = config.validated()
        self.bus = bus
        self._kw: dict[str, Any] = dict(device_layer=device_layer, capture_file=capture_file,
                                        poll_ms=poll_ms, idle_poll_ms=idle_poll_ms, clock=clock,
                                        monitor_gate=monitor_gate)
        self._lock = threading.Lock()
        self._sip: SipThread | None = None

    # ----------------------------------------------------------------- lifecycle
    def start(self, timeout: float = 15.0) -> None:
        """Create the Endpoint and the TLS transport on a new SIP thread.

        Raises the setup error (e.g. PhoneConfigError) here, in the caller's thread.
        """
        with self._lock:
            if self._sip is not None:
                raise PhoneError("The phone is already running.", "Stop it before starting again.")
            sip = SipThread(self.config.with_bind_address(), self.bus, **self._kw)
            sip.start(timeout)
            self._sip = sip

    def stop(self, timeout: float = 20.0) -> ev.PhoneStopped:
        """Hang up every call, unregister, destroy the Endpoint (in that order)."""
        with self._lock:
            sip, self._sip = self._sip, None
        if sip is None:
            return ev.PhoneStopped(True)
        return sip.stop(timeout)

    @property
    def running(self) -> bool:
        sip = self._sip
        return sip is not None and sip.thread.is_alive()

    def __enter__(self) -> Phone:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _submit(self, fn: Callable[[SipThread], T]) -> Future[T]:
        sip = self._sip
        if sip is None:
            fut: Future[T] = Future()
            fut.set_exception(PhoneNotRunning())
            return fut
        return sip.submit(lambda: fn(sip))

    def _submit_chain(self, fn: Callable[[SipThread], Future[T]]) -> Future[T]:
        """For commands whose outcome arrives later (registration)."""
        outer: Future[T] = Future()

        def done(inner: Future[Future[T]]) -> None:
            exc = inner.exception()
            if exc is not None:
                outer.set_exception(exc)
                return
            inner.result().add_done_callback(
                lambda f: outer.cancel() if f.cancelled() else (
                    outer.set_exception(e) if (e := f.exception()) else outer.set_result(f.result())))

        self._submit(fn).add_done_callback(done)
        return outer

    # ----------------------------------------------------------------- state (any thread)
    @property
    def registration(self) -> ev.RegistrationChanged:
        sip = self._sip
        return sip.registration if sip else ev.RegistrationChanged("unregistered", 0, "not running")

    def calls(self) -> dict[str, ev.CallInfo]:
        """Snapshots of the calls in progress, by call id."""
        sip = self._sip
        return sip.snapshots() if sip else {}

    # ----------------------------------------------------------------- registration
    def register(self, credentials: SipCredentials) -> Future[ev.RegistrationChanged]:
        """Resolves with the first outcome ("registered" or "failed" with plain reason)."""
        return self._submit_chain(lambda s: s.register(credentials))

    def unregister(self) -> Future[ev.RegistrationChanged]:
        return self._submit_chain(lambda s: s.unregister())

    # ----------------------------------------------------------------- calls
    def dial(self, target: str, headers: dict[str, str] | None = None) -> Future[str]:
        """A number (dial prefix applied), a user name or a sips: URI; resolves to a call id.
        ``headers``: extra SIP headers for the INVITE (a team lead's ``X-Monitor-Grant``)."""
        return self._submit(lambda s: s.dial(target, headers))

    def reinvite(self, call_id: str, headers: dict[str, str]) -> Future[None]:
        """A re-INVITE carrying ``headers`` (a monitoring mode change with a new grant)."""
        return self._submit(lambda s: s.reinvite(call_id, headers))

    def set_monitor_gate(self, gate: Any) -> Future[None]:
        """Install (or remove, with None) the check of team leads' monitor grants."""
        return self._submit(lambda s: s.set_monitor_gate(gate))

    def answer(self, call_id: str) -> Future[None]:
        return self._submit(lambda s: s.answer(call_id))

    def reject(self, call_id: str, code: int = 486) -> Future[None]:
        """486 Busy Here or 603 Decline."""
        return self._submit(lambda s: s.reject(call_id, code))

    def hangup(self, call_id: str) -> Future[None]:
        """Also cancels an outgoing call that is still ringing."""
        return self._submit(lambda s: s.hangup(call_id))

    cancel = hangup

    def hold(self, call_id: str) -> Future[None]:
        return self._submit(lambda s: s.hold(call_id))

    def resume(self, call_id: str) -> Future[None]:
        return self._submit(lambda s: s.resume(call_id))

    def set_mute(self, call_id: str, muted: bool) -> Future[None]:
        return self._submit(lambda s: s.set_mute(call_id, muted))

    def send_dtmf(self, call_id: str, digits: str) -> Future[None]:
        """RFC 4733 telephone-events, SIP INFO when the far end does not support them."""
        return self._submit(lambda s: s.send_dtmf(call_id, digits))

    def blind_transfer(self, call_id: str, target: str) -> Future[None]:
        return self._submit(lambda s: s.blind_transfer(call_id, target))

    def attended_transfer(self, call_id: str, consult_call_id: str) -> Future[None]:
        """Complete a consult transfer: ``call_id`` (held) is joined to the consulted party."""
        return self._submit(lambda s: s.attended_transfer(call_id, consult_call_id))

    # ----------------------------------------------------------------- audio
    def list_devices(self) -> Future[list[AudioDevice]]:
        return self._submit(lambda s: s.list_devices())

    def set_devices(self, capture: str | None = None, playback: str | None = None,
                    ring: str | None = None) -> Future[None]:
        """Choose devices by name ('' = system default); persist with ``save_device_choice``."""
        return self._submit(lambda s: s.set_devices(capture, playback, ring))

    def test_tone(self, on: bool) -> Future[None]:
        """Start or stop a 440 Hz tone on the playback device (the Settings' test)."""
        return self._submit(lambda s: s.test_tone(on))

    def audio_levels(self) -> Future[tuple[int, int]]:
        """(microphone, speaker) levels 0..255 at the bridge (the Settings' level meter)."""
        return self._submit(lambda s: s.audio_levels())

    def connect_audio(self, source: str, sink: str) -> Future[None]:
        """Conference bridge wiring: 'mic', 'speaker' or a call id on either side."""
        return self._submit(lambda s: s.connect_audio(source, sink))

    def disconnect_audio(self, source: str, sink: str) -> Future[None]:
        return self._submit(lambda s: s.disconnect_audio(source, sink))

    def start_recording(self, call_id: str, sink: FrameSink, *, mix: bool = True,
                        announcement: str | Path | None = None) -> Future[None]:
        """Record the call into ``sink`` (16 kHz PCM frames, never a file of ours): the mix
        of both sides (and a barging supervisor), or with ``mix`` False what the far end
        sends. ``announcement`` (a WAV, or "tone") plays to both sides before it starts.
        Holds, re-INVITEs and device changes do not stop it; the call's end does."""
        return self._submit(lambda s: s.start_recording(call_id, sink, mix, announcement))

    def stop_recording(self, call_id: str) -> Future[None]:
        """Stops feeding the sink and closes it (a no-op when the call is not recorded)."""
        return self._submit(lambda s: s.stop_recording(call_id))

    def record_speaker(self, path: Path) -> Future[None]:
        """What the agent hears goes into a WAV instead of the speaker (headless checks)."""
        return self._submit(lambda s: s.record_speaker(path))

    def stop_speaker_recording(self) -> Future[None]:
        """Back to the speaker; resolves once the WAV is complete."""
        return self._submit(lambda s: s.stop_speaker_recording())

    def play_pcm(self, pcm: bytes) -> Future[str]:
        """Play 16 kHz mono PCM from memory on the playback device; PlaybackEnded follows."""
        return self._submit(lambda s: s.play_pcm(pcm))

    def stop_playback(self, playback_id: str) -> Future[None]:
        return self._submit(lambda s: s.stop_playback(playback_id))

    def play_into_call(self, call_id: str, wav: Path) -> Future[None]:
        """Loop a WAV file into the call (announcements)."""
        return self._submit(lambda s: s.play_into_call(call_id, wav))

    # ----------------------------------------------------------------- agent state
    def set_agent_state(self, state: AgentState, reason: str = "") -> Future[None]:
        return self._submit(lambda s: s.set_agent_state(state, reason))


def save_device_choice(settings: Any, capture: str | None = None, playback: str | None = None,
                       ring: str | None = None) -> Any:
    """Persist device names in the user's settings; returns the new Settings."""
    for name, value in (("sip.capture_device", capture), ("sip.playback_device", playback),
                        ("sip.ring_device", ring)):
        if value is not None:
            settings = settings.set_user(name, value)
    return settings
