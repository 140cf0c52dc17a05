"""Test helpers for the phone engine: an event recorder and a tone detector."""

from __future__ import annotations

import threading
import time
import wave
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from agent_desktop.bus import EventBus
from agent_desktop.phone.events import PhoneEvent

E = TypeVar("E")


class WavTap:
    """A test's own ear on a call: the engine's recording frames, written to a WAV in the
    test's temporary folder when the recording stops (the product never writes one)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._frames: list[bytes] = []

    def write(self, pcm: bytes) -> None:
        self._frames.append(pcm)

    def close(self) -> None:
        with wave.open(str(self.path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(b"".join(self._frames))


class EventRecorder:
    """Collects every PhoneEvent published on ``bus`` (from the SIP thread)."""

    def __init__(self, bus: EventBus) -> None:
        self._cond = threading.Condition()
        self.events: list[Any] = []
        self._sub = bus.subscribe(PhoneEvent, self._on)
        self._bus = bus

    def _on(self, event: Any) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def of(self, kind: type[E]) -> list[E]:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def wait(self, kind: type[E], pred: Callable[[E], bool] = lambda e: True,
             timeout: float = 15.0) -> E:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self.events:
                    if isinstance(e, kind) and pred(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    tail = [type(e).__name__ for e in self.events[-15:]]
                    raise AssertionError(f"no {kind.__name__} within {timeout:.0f}s; last events: {tail}")
                self._cond.wait(min(left, 0.2))

    def clear(self) -> None:
        with self._cond:
            self.events.clear()

    def close(self) -> None:
        self._bus.unsubscribe(self._sub)


def read_wav(path: Path, skip_seconds: float = 0.0) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    return data[int(skip_seconds * rate):], rate


def tone_levels(data: np.ndarray, rate: int, freqs: Collection[int]) -> dict[int, float]:
    """Each test tone's spectral peak relative to the recording's strongest."""
    spectrum = np.abs(np.fft.rfft(data * np.hanning(len(data))))
    bins = np.fft.rfftfreq(len(data), 1.0 / rate)
    top = float(spectrum[1:].max()) or 1.0
    return {f: float(spectrum[(bins > f - 15) & (bins < f + 15)].max()) / top for f in freqs}


def tones_heard(data: np.ndarray, rate: int, freqs: Collection[int], what: str = "recording") -> set[int]:
    """The tones clearly in a recording; one neither clearly in nor out fails the test."""
    assert len(data) > rate // 2, f"{what}: recording too short"
    lv = tone_levels(data, rate, freqs)
    unclear = {f: round(v, 3) for f, v in lv.items() if 0.05 <= v < 0.3}
    assert not unclear, f"tones neither heard nor absent in {what}: {lv}"
    return {f for f, v in lv.items() if v >= 0.3}


class GrowingWav:
    """A WAV another process is still recording (pjmedia's writer fills in the sizes only
    when it closes), read as it grows: the tones are judged once they have set in."""

    HEADER = 44  # pjmedia writes a plain 44-byte PCM header first

    def __init__(self, path: Path) -> None:
        self.path = path

    def pcm(self) -> tuple[np.ndarray, int]:
        if not self.path.exists():
            return np.zeros(0), 16000
        raw = self.path.read_bytes()
        if len(raw) < self.HEADER:
            return np.zeros(0), 16000
        rate = int.from_bytes(raw[24:28], "little")
        body = raw[self.HEADER:]
        return np.frombuffer(body[:len(body) // 2 * 2], dtype="<i2").astype(np.float64), rate

    def after_onset(self, onset: Collection[int], freqs: Collection[int], seconds: float = 1.5,
                    settle: float = 0.5) -> tuple[np.ndarray, int] | None:
        """None until every tone of ``onset`` is clearly heard in one half-second and
        ``settle`` + ``seconds`` more have been recorded; then those ``seconds`` to judge
        (the links and jitter buffers have settled, whatever the machine's load)."""
        data, rate = self.pcm()
        half = rate // 2
        for start in range(0, len(data) - half + 1, rate // 4):
            window = data[start:start + half]
            if float(np.sqrt(np.mean(window ** 2))) < 100:
                continue  # silence (no media yet): no tone has set in
            levels = tone_levels(window, rate, freqs)
            if all(levels[f] >= 0.3 for f in onset):
                begin = start + int(settle * rate)
                end = begin + int(seconds * rate)
                return (data[begin:end], rate) if len(data) >= end else None
        return None


def dominant_frequency(path: Path, skip_seconds: float = 0.3) -> tuple[float, float]:
    """(frequency in Hz of the strongest FFT bin, RMS level) of a mono 16-bit WAV."""
    data, rate = read_wav(path, skip_seconds)
    if len(data) < rate // 10:
        return 0.0, 0.0
    rms = float(np.sqrt(np.mean(data ** 2)))
    spectrum = np.abs(np.fft.rfft(data * np.hanning(len(data))))
    freqs = np.fft.rfftfreq(len(data), 1.0 / rate)
    return float(freqs[int(np.argmax(spectrum[1:])) + 1]), rms


def rms_level(path: Path, skip_seconds: float = 0.3) -> float:
    data, _ = read_wav(path, skip_seconds)
    return float(np.sqrt(np.mean(data ** 2))) if len(data) else 0.0


class SimulatedDevices:
    """A DeviceLayer that lists named devices and lets a test unplug them.

    pjsua2 has no portable hot-plug event, so the engine polls its layer; this one stands
    in for the platform list while the audio itself runs on pjsua2's null device.
    """

    def __init__(self, names: list[str]) -> None:
        self._lock = threading.Lock()
        self.present = list(names)
        self.applied: list[tuple[int, int]] = []
        self.ring_opened: list[int] = []
        self.fail_apply = False
        self._adm: Any = None

    def factory(self, endpoint: Any) -> SimulatedDevices:
        self._adm = endpoint.audDevManager()
        return self

    def devices(self) -> list[Any]:
        from agent_desktop.phone.probe import AudioDevice

        with self._lock:
            return [AudioDevice(i, n, "simulated", 1, 1) for i, n in enumerate(self.present)]

    def unplug(self, name: str) -> None:
        with self._lock:
            self.present.remove(name)

    def open_ring(self, playback: int) -> Any:
        self.ring_opened.append(playback)
        return None  # ring on the (null) playback device

    def apply(self, capture: int, playback: int) -> None:
        if self.fail_apply:
            raise RuntimeError("simulated driver failure")
        self.applied.append((capture, playback))
        self._adm.setNullDev()


class FailingBus(EventBus):
    """A bus whose publish raises for one event type: an exception inside a pjsua2 callback."""

    def __init__(self, fail_on: type) -> None:
        super().__init__()
        self.fail_on = fail_on

    def publish(self, event: object) -> None:
        if isinstance(event, self.fail_on):
            raise RuntimeError("listener infrastructure failed")
        super().publish(event)


def quiet_chunks(path: Path, floor: float = 2000.0, skip_seconds: float = 0.3) -> int:
    """How many 100 ms chunks of a tone recording fall below ``floor`` RMS (drop-outs)."""
    data, rate = read_wav(path, skip_seconds)
    step = rate // 10
    chunks = [data[i:i + step] for i in range(0, len(data) - step + 1, step)]
    return sum(1 for c in chunks if float(np.sqrt(np.mean(c ** 2))) < floor)


def peer_hears(peer: Any, pcall: int, folder: Path, seconds: float = 1.5) -> tuple[float, float]:
    """What a pjsua2 peer (``PeerProcess``) hears on its call ``pcall``: (the strongest
    frequency in Hz, the RMS level) of ``seconds`` it records."""
    wav = folder / f"heard-{time.monotonic_ns()}.wav"
    peer.cmd("record", call=pcall, path=str(wav))
    time.sleep(seconds)  # the length of the recording, not a wait for a condition
    peer.cmd("stop_record", call=pcall, path=str(wav))
    return dominant_frequency(wav)
