"""The recording file format: encrypted as written, authenticated chunk by chunk."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from agent_desktop.recordings import cipher
from agent_desktop.recordings.store import new_recording_id
from agent_desktop.recordings.writer import EncryptedWriter

RATE = 16000


def tone(freq: float, seconds: float) -> bytes:
    t = np.arange(int(RATE * seconds)) / RATE
    return (np.sin(2 * np.pi * freq * t) * 12000).astype("<i2").tobytes()


def write(path: Path, key: X25519PrivateKey, pcm: bytes) -> str:
    rid = new_recording_id()
    w = EncryptedWriter(path, rid, key.public_key(), {"call_id": "c1"})
    for i in range(0, len(pcm), 640):
        w.write(pcm[i:i + 640])
    w.close()
    result = w.done.result(10)
    assert not result.error and result.samples == len(pcm) // 2
    return rid


def tone_ratio(pcm: bytes, freq: float) -> float:
    """Spectrum magnitude at ``freq`` against the median bin (a pure tone: thousands)."""
    x = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(float)
    spec = np.abs(np.fft.rfft(x))
    hz = np.fft.rfftfreq(len(x), 1 / RATE)
    near = spec[(hz > freq - 5) & (hz < freq + 5)]
    return float(near.max() / np.median(spec))


def test_the_file_is_no_wav_hides_the_tone_and_decrypts_whole(tmp_path: Path) -> None:
    key = X25519PrivateKey.generate()
    pcm = tone(1000, 3.3)
    path = tmp_path / "r.adrec"
    write(path, key, pcm)
    raw = path.read_bytes()
    assert raw[:4] != b"RIFF" and b"RIFF" not in raw and b"WAVE" not in raw
    assert tone_ratio(pcm, 1000) > 1000
    assert tone_ratio(raw, 1000) < 10  # ciphertext decoded as PCM: noise, no tone
    assert path.stat().st_mode & 0o777 == 0o600
    opened = cipher.open_recording(io.BytesIO(raw), key)
    assert opened.complete and opened.pcm == pcm and opened.meta["call_id"] == "c1"


def test_another_key_a_changed_byte_or_a_moved_chunk_is_refused(tmp_path: Path) -> None:
    key = X25519PrivateKey.generate()
    path = tmp_path / "r.adrec"
    write(path, key, tone(600, 2.5))
    raw = bytearray(path.read_bytes())
    with pytest.raises(cipher.RecordingUnreadable):
        cipher.open_recording(io.BytesIO(bytes(raw)), X25519PrivateKey.generate())
    flipped = bytearray(raw)
    flipped[-5] ^= 1
    with pytest.raises(cipher.RecordingUnreadable, match="altered"):
        cipher.open_recording(io.BytesIO(bytes(flipped)), key)
    # a file cut after a whole chunk still reads, but says it is incomplete
    chunks = list(cipher.read_chunks(io.BytesIO(bytes(raw[cipher.HEADER_BYTES:]))))
    cut = bytes(raw[: cipher.HEADER_BYTES]) + b"".join(len(c).to_bytes(4, "big") + c for c in chunks[:2])
    opened = cipher.open_recording(io.BytesIO(cut), key)
    assert not opened.complete and len(opened.pcm) == RATE * 2
    swapped = bytes(raw[: cipher.HEADER_BYTES]) + b"".join(
        len(c).to_bytes(4, "big") + c for c in (chunks[0], chunks[2], chunks[1], chunks[3]))
    with pytest.raises(cipher.RecordingUnreadable):
        cipher.open_recording(io.BytesIO(swapped), key)


def test_recording_ids_pass_the_audit_detail_checks() -> None:
    from agent_desktop.audit.event import detail_problem

    for _ in range(200):
        rid = new_recording_id()
        assert len(rid) == cipher.ID_BYTES and detail_problem({"recording": rid}) is None
