"""Recording costs on the audio clock thread and the writer thread.

- ``recording.frame_copy``: copying one 20 ms frame out of pjsua2 in the recording port
  (ctypes read of the std::vector) against the SWIG ByteVector's own copy (baseline).
- ``recording.seal_second``: sealing one second of 16 kHz PCM (AES-256-GCM) against
  copying it (baseline): the writer thread's cost per second of call.

    .venv/bin/python -m bench.recording
"""

from __future__ import annotations

import time

import pjsua2 as pj
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from agent_desktop.phone import recording as prec
from agent_desktop.recordings.cipher import Sealer
from bench.common import emit, median, timed


def frame_copy() -> None:
    fast: list[float] = []
    slow: list[float] = []

    class Probe(pj.AudioMediaPort):
        def onFrameReceived(self, frame: object) -> None:
            buf = frame.buf  # type: ignore[attr-defined]
            t = time.perf_counter()
            prec._fast_bytes(buf)
            fast.append((time.perf_counter() - t) * 1e6)
            t = time.perf_counter()
            bytes(buf)
            slow.append((time.perf_counter() - t) * 1e6)

    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.medConfig.threadCnt = 0
    cfg.logConfig.level = cfg.logConfig.consoleLevel = 0
    ep.libInit(cfg)
    ep.audDevManager().setNullDev()
    ep.libStart()
    port = Probe()
    port.createPort("bench", prec._port_format())
    tone = pj.ToneGenerator()
    tone.createToneGenerator(prec.RATE, 1)
    d = pj.ToneDesc()
    d.freq1, d.freq2, d.on_msec, d.off_msec, d.volume = 1000, 0, 10000, 0, 0
    tones = pj.ToneDescVector()
    tones.append(d)
    tone.play(tones, True)
    tone.startTransmit(port)
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        ep.libHandleEvents(10)
    tone.stopTransmit(port)
    del tone, port
    ep.libDestroy()
    emit("recording.frame_copy", median(fast), "us", median(slow), frames=len(fast))


def seal_second() -> None:
    sealer = Sealer.new(b"a" * 16, X25519PrivateKey.generate().public_key())
    pcm = bytes(32000)
    sealed = timed(lambda: sealer.seal(1, pcm, False), 200)
    copied = timed(lambda: bytearray(pcm), 200)
    emit("recording.seal_second", median(sealed), "ms", median(copied))


if __name__ == "__main__":
    frame_copy()
    seal_second()
