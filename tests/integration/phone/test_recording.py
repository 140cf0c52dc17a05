"""Encrypted call recording through the real engine, Kamailio, a pjsua2 peer, the vault and
the audit recorder: across a local and a remote hold and resume, never plaintext on disk, decrypted
only in the app (both parties' tones), playback audited, retention purge and wipe."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from agent_desktop.audit.notices import AuditRecorded
from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.bus import EventBus
from agent_desktop.demo.sip_peer import write_tone
from agent_desktop.phone import events as ev
from agent_desktop.phone.engine import Phone
from agent_desktop.phone.recording_events import CallRecordingChanged, PlaybackEnded
from agent_desktop.policy import Settings, load_settings
from agent_desktop.recordings.service import RecordingService
from agent_desktop.recordings.store import RecordingError, RecordingStore
from agent_desktop.vault import Vault
from tests.integration.phone.conftest import ENGINE_TONE_HZ, PEER_TONE_HZ, Peers
from tests.integration.phone.test_calls import dial_answered
from tests.support.phone_helpers import EventRecorder, read_wav
from tests.support.vault_env import PASSWORD, FakeClock, VaultFactory

RATE = 16000
NOTICE_HZ = 2000.0
DAY = 86400.0


def tone_ratio(pcm: bytes, freq: float, rate: int = RATE) -> float:
    """Spectrum magnitude at ``freq`` (+-8 Hz) against the median bin: a tone gives hundreds
    or more, white noise (ciphertext) about 3-5."""
    x = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(float)
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    hz = np.fft.rfftfreq(len(x), 1 / rate)
    return float(spec[(hz > freq - 8) & (hz < freq + 8)].max() / np.median(spec))


def seconds_of(pcm: bytes, start: float, end: float) -> bytes:
    return pcm[int(start * RATE) * 2:int(end * RATE) * 2]


@pytest.fixture
def vaults(agent_home: Path, secret_service: str) -> Iterator[VaultFactory]:
    factory = VaultFactory(agent_home, Path(os.environ["AGENT_DESKTOP_POLICY"]))
    try:
        yield factory
    finally:
        factory.cleanup()


def policy(factory: VaultFactory, mode: str, notice: Path | None = None) -> Settings:
    factory.policy_file.write_text(f'[recording]\nmode = "{mode}"\nannounce = true\n'
                                   "retention_days = 30\n"
                                   f'announcement_file = "{notice or ""}"\n')
    return load_settings(factory.paths, policy_file=factory.policy_file)


class Audit:
    """The audit actions committed, in order (AuditRecorded carries seq and action only)."""

    def __init__(self, bus: EventBus) -> None:
        self.actions: list[str] = []
        self._sub = bus.subscribe(AuditRecorded, lambda e: self.actions.append(e.action))


@pytest.fixture
def env(vaults: VaultFactory, bus: EventBus) -> Iterator[tuple[Vault, RecordingStore, Audit, FakeClock]]:
    settings = policy(vaults, "on_demand")
    vault = vaults(bus=bus, settings=settings)
    audit = Audit(bus)
    recorder = AuditRecorder(vault, bus, device_id="dev-rec-" + os.urandom(3).hex(),
                             user="agent-007", role="agent")
    vault.create(PASSWORD)
    clock = FakeClock(time.time())
    store = RecordingStore(vault, recorder, settings, bus, clock=clock)
    try:
        yield vault, store, audit, clock
    finally:
        store.close()


def test_a_call_recorded_across_a_local_and_a_remote_hold_and_resume_is_whole_encrypted_and_audited(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, bus: EventBus,
        env: tuple[Vault, RecordingStore, Audit, FakeClock]) -> None:
    vault, store, audit, clock = env
    service = RecordingService(store, lambda: phone, lambda: store.settings, bus)
    try:
        peer = clean_peers.get("peer2")
        call_id, pcall = dial_answered(phone, recorder, peer, "peer2")
        peer.cmd("play", call=pcall, freq=PEER_TONE_HZ)
        service.start(call_id)  # on demand: the notice (beeps) first, then the recording
        recorder.wait(CallRecordingChanged, lambda e: e.state == "announcing")
        started = recorder.wait(CallRecordingChanged, lambda e: e.state == "recording")
        t0 = time.monotonic()

        def step(action: object, pred: object) -> float:
            recorder.clear()  # wait for what the action causes, not an earlier event
            action()  # type: ignore[operator]
            recorder.wait(ev.CallMediaChanged, lambda e: e.call.call_id == call_id and pred(e.call))  # type: ignore[operator]
            return time.monotonic() - t0

        time.sleep(1.5)                                               # both talk
        step(lambda: phone.hold(call_id).result(5), lambda c: c.held)  # local hold
        time.sleep(1.0)
        step(lambda: phone.resume(call_id).result(5), lambda c: not c.held and c.media_active)
        peer.cmd("play", call=pcall, freq=PEER_TONE_HZ)  # the peer's stream was re-created
        talk_again = time.monotonic() - t0 + 0.3
        time.sleep(1.6)
        remote = step(lambda: peer.cmd("hold", call=pcall), lambda c: c.remote_held)
        time.sleep(1.6)  # the customer is silent; the agent's microphone is still in the mix
        peer.wait_event(lambda e: e.get("event") == "media" and e["status"] == 2, what="held")
        peer.clear_events()
        resumed = step(lambda: peer.cmd("unhold", call=pcall),
                       lambda c: not c.remote_held and c.media_active)
        peer.wait_event(lambda e: e.get("event") == "media" and e["status"] == 1, what="resumed")
        peer.cmd("play", call=pcall, freq=PEER_TONE_HZ)
        talk_last = time.monotonic() - t0 + 0.3
        time.sleep(1.6)  # both talk again after the customer's resume
        phone.hangup(call_id).result(5)
        stopped = recorder.wait(CallRecordingChanged, lambda e: e.state == "stopped")
        wall = time.monotonic() - t0
        service.drain()
    finally:
        service.close()
    assert started.call_id == stopped.call_id == call_id and stopped.reason == "call_ended"

    [info] = store.list()
    assert info.call_id == call_id and info.status == "complete"
    # the full duration: not cut at either hold (it used to stop at the first one)
    assert info.seconds is not None and wall - 0.6 <= info.seconds <= wall + 0.3, (info, wall)

    raw = store._path(info.recording_id).read_bytes()
    assert raw[:4] != b"RIFF" and b"RIFF" not in raw and b"WAVE" not in raw
    for freq in (ENGINE_TONE_HZ, PEER_TONE_HZ):
        assert tone_ratio(raw, freq) < 12, freq  # the file decoded as PCM: no tone, noise

    before = list(audit.actions)
    opened = store.decrypt(info.recording_id, via="pcm")
    assert audit.actions[len(before):] == ["recording.play"]
    assert opened.complete and abs(len(opened.pcm) / 2 / RATE - info.seconds) < 0.05
    # both parties in the mix before the local hold, after it and after the customer's
    # resume; the agent during the remote hold
    for start, end in ((0.2, 1.4), (talk_again, talk_again + 1.2), (talk_last, talk_last + 1.2)):
        part = seconds_of(opened.pcm, start, end)
        assert tone_ratio(part, PEER_TONE_HZ) > 50, (start, "customer")
        assert tone_ratio(part, ENGINE_TONE_HZ) > 50, (start, "agent")
    assert tone_ratio(seconds_of(opened.pcm, remote + 0.3, resumed - 0.1), ENGINE_TONE_HZ) > 50
    assert ["recording.start", "recording.stop"] == [
        a for a in audit.actions if a in ("recording.start", "recording.stop")]

    # played back inside the app, on the agent's (null) playback device through pjsua2
    playback = phone.play_pcm(seconds_of(opened.pcm, 0, 0.6)).result(5)
    assert recorder.wait(PlaybackEnded, lambda e: e.playback_id == playback).completed

    # retention: nothing goes before its time; after it, the file and its entry go, recorded
    assert store.purge_expired() == 0
    clock.advance(31 * DAY)
    assert store.purge_expired() == 1
    assert store.list() == [] and not store._path(info.recording_id).exists()
    assert audit.actions[-1] == "recording.delete"
    with pytest.raises(RecordingError):
        store.decrypt(info.recording_id, via="pcm")
    assert vault.unlocked


def test_wipe_crypto_shreds_the_key_and_deletes_every_recording(
        env: tuple[Vault, RecordingStore, Audit, FakeClock]) -> None:
    vault, store, _, _ = env
    writer = store.begin("call-wiped", {"mode": "on_demand", "announced": False})
    for _ in range(60):
        writer.write(b"\1\2" * 320)
    writer.close()
    store.finish("call-wiped", writer.done.result(5), "agent")
    [info] = store.list()
    path = store._path(info.recording_id)
    assert path.exists() and vault.get_secret("recording.x25519").result(5) is not None
    vault.wipe()
    assert not path.exists() and not store.directory.exists()
    assert not vault.exists()  # the private key went with the vault's database


def test_policy_never_and_all_calls_refuse_the_agents_commands(
        vaults: VaultFactory, bus: EventBus,
        env: tuple[Vault, RecordingStore, Audit, FakeClock]) -> None:
    _, store, _, _ = env
    for mode in ("never", "all_calls"):
        settings = policy(vaults, mode)
        service = RecordingService(store, lambda: None, lambda s=settings: s, bus)  # type: ignore[misc]
        try:
            with pytest.raises(RecordingError, match="policy"):
                service.start("c")
        finally:
            service.close()


def test_policy_all_calls_records_each_answered_call_after_a_notice_the_caller_hears(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, bus: EventBus, tmp_path: Path,
        vaults: VaultFactory, env: tuple[Vault, RecordingStore, Audit, FakeClock]) -> None:
    _, store, _, _ = env
    notice = write_tone(tmp_path / "notice.wav", NOTICE_HZ, seconds=3.0)
    settings = policy(vaults, "all_calls", notice)
    service = RecordingService(store, lambda: phone, lambda: settings, bus)
    try:
        peer = clean_peers.get("peer2")
        call_id, pcall = dial_answered(phone, recorder, peer, "peer2")
        heard = tmp_path / "caller-heard.wav"
        peer.cmd("record", call=pcall, path=str(heard))
        assert recorder.wait(CallRecordingChanged, lambda e: e.state == "announcing").call_id == call_id
        recorder.wait(CallRecordingChanged, lambda e: e.state == "recording")
        peer.cmd("stop_record", call=pcall, path=str(heard))
        time.sleep(1.0)
        with pytest.raises(RecordingError, match="every call"):
            service.stop(call_id)  # the agent cannot stop what policy records
        phone.hangup(call_id).result(5)
        assert recorder.wait(CallRecordingChanged, lambda e: e.state == "stopped").reason == "call_ended"
        service.drain()
    finally:
        service.close()
    samples, rate = read_wav(heard)
    assert tone_ratio(samples.astype("<i2").tobytes(), NOTICE_HZ, rate) > 50  # the caller heard it
    [info] = store.list()
    assert info.call_id == call_id and info.status == "complete" and info.seconds is not None
    pcm = store.decrypt(info.recording_id, via="pcm").pcm
    assert tone_ratio(pcm, NOTICE_HZ) < 20  # the recording starts after the notice
    assert tone_ratio(pcm, ENGINE_TONE_HZ) > 50
