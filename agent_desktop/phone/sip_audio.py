"""Audio on the SIP thread: devices (choice, hot-plug, fallback), call audio wiring on the
conference bridge, playback into calls, the ringtone (recording: recording.py).

A mixin of SipThread: every method runs on the SIP thread only.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pjsua2 as pj

from agent_desktop.phone import events as ev
from agent_desktop.phone.calls import CallRecord
from agent_desktop.phone.config import PhoneConfig
from agent_desktop.phone.devices import (
    DEFAULT,
    DeviceLayer,
    NullDeviceLayer,
    PjDeviceLayer,
    Resolution,
    resolve,
)
from agent_desktop.phone.errors import CallOperationFailed
from agent_desktop.phone.pj_config import pj_error_text

log = logging.getLogger(__name__)


def _play_tone(generator: Any, freq1: int, freq2: int, on_msec: int, off_msec: int) -> Any:
    """Loop a tone on ``generator`` (created when None); the caller connects it to a sink."""
    if generator is None:
        generator = pj.ToneGenerator()
        generator.createToneGenerator()
    desc = pj.ToneDesc()
    desc.freq1, desc.freq2, desc.on_msec, desc.off_msec, desc.volume = freq1, freq2, on_msec, off_msec, 0
    tones = pj.ToneDescVector()
    tones.append(desc)
    generator.play(tones, True)
    return generator


def wav_complete(path: Path) -> bool:
    """True once a WAV's RIFF size field has been written (pjmedia writes it on close)."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return len(head) == 8 and head[:4] == b"RIFF" and head[4:8] != b"\0\0\0\0"


class AudioMixin:
    config: PhoneConfig
    _ep: Any
    _layer: DeviceLayer | None
    _resolution: Resolution | None
    _device_names: tuple[str, ...]
    _device_layer_factory: Any
    _calls: dict[str, CallRecord]
    _players: dict[str, Any]
    _mic_player: Any
    _ring_player: Any
    _test_tone: Any
    _ring_sink: Any
    _ring_target: Any
    _speaker_tap: Any = None  # a recorder standing in for the speaker (headless, tests)
    _speaker_tap_path: Path | None = None

    if TYPE_CHECKING:
        from agent_desktop.phone.monitor_bridge import MonitorBridge

        monitor: MonitorBridge

        def _publish(self, event: object) -> None: ...
        def _record(self, call_id: str) -> CallRecord: ...

    def _setup_devices(self) -> None:
        factory = self._device_layer_factory
        if factory is None:
            factory = NullDeviceLayer if self.config.null_audio else PjDeviceLayer
        self._layer = factory(self._ep)
        self._refresh_devices(initial=True)

    def _refresh_devices(self, initial: bool = False) -> None:
        assert self._layer is not None
        try:
            devices = self._layer.devices()
        except Exception:
            log.exception("listing audio devices failed; keeping the current ones")
            return
        names = tuple(d.name for d in devices)
        if names != self._device_names:
            self._device_names = names
            if not initial:
                self._publish(ev.AudioDevicesChanged(names))
        cfg = self.config
        res = resolve(devices, cfg.capture_device, cfg.playback_device, cfg.ring_device)
        old = self._resolution
        if old is not None and (old.capture, old.playback) == (res.capture, res.playback):
            self._resolution = res
            return
        try:
            self._layer.apply(res.capture, res.playback)
        except Exception as exc:  # noqa: BLE001 - a sound driver failure must never end a call
            log.error("could not switch audio devices (%s); falling back to the default",
                      pj_error_text(exc))
            self._publish(ev.CallbackFailed("audio_device", type(exc).__name__))
            try:
                self._layer.apply(DEFAULT, DEFAULT)
            except Exception:  # noqa: BLE001 - last resort below keeps the bridge clocked
                log.error("the default audio device failed too; using the null device")
                self._ep.audDevManager().setNullDev()
        self._resolution = res
        self._open_ring_device(res)
        self._relink_all()
        for role, name in res.missing:
            if old is None or (role, name) not in old.missing:
                log.warning("the chosen %s device is gone; using the system default", role)
                self._publish(ev.AudioDeviceFallback(role, name))

    def _open_ring_device(self, res: Resolution) -> None:
        assert self._layer is not None
        self._ring_sink = None
        if res.ring == DEFAULT or res.ring == res.playback:
            return
        try:
            self._ring_sink = self._layer.open_ring(res.ring)
        except Exception as exc:  # noqa: BLE001 - no ring device: ring on the headset instead
            log.warning("could not open the ring device (%s); ringing on the playback device",
                        pj_error_text(exc))

    def set_devices(self, capture: str | None, playback: str | None, ring: str | None) -> None:
        from dataclasses import replace

        c = self.config
        self.config = replace(
            c, capture_device=c.capture_device if capture is None else capture,
            playback_device=c.playback_device if playback is None else playback,
            ring_device=c.ring_device if ring is None else ring)
        self._resolution = None
        self._refresh_devices()

    def list_devices(self) -> list[Any]:
        assert self._layer is not None
        return self._layer.devices()

    def _call_audio(self, rec: CallRecord) -> Any:
        if rec.ended or not rec.media_active or rec.audio_index < 0:
            raise CallOperationFailed("The call has no active audio.", "Wait until it is connected.")
        return rec.pj_call.getAudioMedia(rec.audio_index)

    def _mic(self) -> Any:
        if self._mic_player is not None:
            return self._mic_player
        return self._ep.audDevManager().getCaptureDevMedia()

    def _speaker(self) -> Any:
        if self._speaker_tap is not None:
            return self._speaker_tap
        return self._ep.audDevManager().getPlaybackDevMedia()

    def record_speaker(self, path: Path) -> None:
        """Send what the agent would hear into a WAV instead of the speaker (headless
        checks: the demo, tests); every call is rewired onto it."""
        tap = pj.AudioMediaRecorder()
        tap.createRecorder(str(path))
        self._speaker_tap = tap
        self._speaker_tap_path = path
        self._relink_all()

    def stop_speaker_recording(self) -> None:
        """Back to the speaker; resolves once the WAV is complete on disk."""
        if self._speaker_tap is None:
            return
        self._speaker_tap = None
        self._relink_all()
        self._wait_wav(self._speaker_tap_path)

    def _unlink(self, rec: CallRecord) -> None:
        for src, sink in rec.links:
            try:
                src.stopTransmit(sink)
            except pj.Error:
                pass  # the port went away with the media; nothing to undo
        rec.links.clear()

    def _relink(self, rec: CallRecord) -> None:
        """(Re)connect mic -> call and call -> speaker after any media or mute change; a
        supervisor leg is wired by its mode, and follows its customer call."""
        if rec.monitor is not None:
            self.monitor.relink(rec)
            return
        self._relink_customer(rec)
        self.monitor.relink_for(rec)

    def _relink_customer(self, rec: CallRecord) -> None:
        self._unlink(rec)
        if rec.ended or not rec.media_active or rec.audio_index < 0 or rec.held:
            return
        aud = rec.pj_call.getAudioMedia(rec.audio_index)
        links = [(aud, self._speaker())]
        if not rec.muted:
            links.append((self._mic(), aud))
        for src, sink in links:
            src.startTransmit(sink)
            rec.links.append((src, sink))

    def _relink_all(self) -> None:
        for rec in self._calls.values():
            if not rec.ended and rec.media_active:
                try:
                    self._relink(rec)
                except pj.Error as exc:
                    log.warning("could not reconnect call audio (%s)", pj_error_text(exc))

    def media_port(self, name: str) -> Any:
        """'mic', 'speaker' or a call id -> its AudioMedia (for bridge wiring)."""
        if name == "mic":
            return self._mic()
        if name == "speaker":
            return self._speaker()
        return self._call_audio(self._record(name))

    def connect_audio(self, source: str, sink: str) -> None:
        self.media_port(source).startTransmit(self.media_port(sink))

    def disconnect_audio(self, source: str, sink: str) -> None:
        self.media_port(source).stopTransmit(self.media_port(sink))

    def _wait_wav(self, path: Path | None) -> None:
        # The bridge removes the port (and finalises the WAV header) on its next clock tick.
        deadline = time.monotonic() + 1.0
        while path is not None and time.monotonic() < deadline and not wav_complete(path):
            self._ep.libHandleEvents(10)

    def play_into_call(self, call_id: str, wav: Path) -> None:
        aud = self._call_audio(self._record(call_id))
        player = pj.AudioMediaPlayer()
        player.createPlayer(str(wav), 0)
        player.startTransmit(aud)
        self._players[call_id] = player

    def test_tone(self, on: bool) -> None:
        """A steady 440 Hz tone on the playback device (Settings' "Test tone"), or silence."""
        if on:
            self._test_tone = _play_tone(self._test_tone, 440, 0, 1000, 0)
            self._test_tone.startTransmit(self._speaker())
        elif self._test_tone is not None:
            self._test_tone.stop()
            try:
                self._test_tone.stopTransmit(self._speaker())
            except pj.Error:
                pass  # the device changed under us; the tone is stopped anyway

    def audio_levels(self) -> tuple[int, int]:
        """(microphone, speaker) signal levels, 0..255, as the conference bridge last saw them."""
        return int(self._mic().getTxLevel()), int(self._speaker().getRxLevel())

    def _start_ringtone(self, rec: CallRecord) -> None:
        self._ring_player = _play_tone(self._ring_player, 440, 480, 2000, 4000)
        self._ring_target = self._ring_sink if self._ring_sink is not None else self._speaker()
        self._ring_player.startTransmit(self._ring_target)
        rec.ringing_tone = True

    def _stop_ringtone(self, rec: CallRecord) -> None:
        if not rec.ringing_tone:
            return
        rec.ringing_tone = False
        if self._ring_player is not None and not any(r.ringing_tone for r in self._calls.values()):
            self._ring_player.stop()
            try:
                if self._ring_target is not None:
                    self._ring_player.stopTransmit(self._ring_target)
            except pj.Error:
                pass  # the device changed under us; the tone is stopped anyway
