"""Fixtures for the phone engine: the engine in this process, pjsua2 peers in others.

pjsua2 allows one Endpoint per process, so each peer (caller, peer2, peer3) is its own
process, started once per session and reused; the engine under test is created and
destroyed per test in the pytest process itself, exactly as the GUI process will run it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from agent_desktop.bus import EventBus
from agent_desktop.demo.certs import TestPKI
from agent_desktop.demo.kamailio import DEFAULT_USERS, Kamailio
from agent_desktop.demo.sip_peer import PeerProcess, write_tone
from agent_desktop.phone.config import PhoneConfig
from agent_desktop.phone.credentials import SipCredentials
from agent_desktop.phone.engine import Phone
from tests.support.phone_helpers import EventRecorder, WavTap, dominant_frequency

ENGINE_TONE_HZ = 600.0
PEER_TONE_HZ = 1000.0


@pytest.fixture(scope="session")
def tones(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("tones")
    return {"engine": write_tone(d / "engine-600.wav", ENGINE_TONE_HZ)}


@pytest.fixture(scope="session")
def third_party_tone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tone baresip and linphonec play: 8 kHz like the G.711 call, never looping in a test."""
    return write_tone(tmp_path_factory.mktemp("tp-tone") / "peer-1000.wav", PEER_TONE_HZ,
                      seconds=30, rate=8000)


def engine_hears_peer_tone_then_hangs_up(phone: Phone, call_id: str, folder: Path) -> None:
    """1.5 s of what the engine receives on ``call_id`` holds the peer's 1 kHz; then hang up."""
    mine = folder / f"engine-{time.monotonic_ns()}.wav"
    phone.start_recording(call_id, WavTap(mine), mix=False).result(5)
    time.sleep(1.5)  # the length of audio judged, not a wait for a condition
    phone.stop_recording(call_id).result(5)
    heard, level = dominant_frequency(mine)
    assert abs(heard - PEER_TONE_HZ) < 5 and level > 1000, (heard, level)
    phone.hangup(call_id).result(5)


@pytest.fixture(scope="session")
def peer_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("peer-logs")


def _peer(name: str, kamailio: Kamailio, pki: TestPKI, logs: Path, srtp: str = "mandatory") -> PeerProcess:
    user = name.split("-")[0]
    p = PeerProcess(name, logs)
    try:
        p.start(kamailio.registrar, user, DEFAULT_USERS[user], pki.ca_file, srtp=srtp)
    except Exception:
        p.close()
        raise
    return p


class Peers:
    def __init__(self, kamailio: Kamailio, pki: TestPKI, logs: Path) -> None:
        self._args = (kamailio, pki, logs)
        self._peers: dict[str, PeerProcess] = {}

    def get(self, name: str, srtp: str = "mandatory") -> PeerProcess:
        p = self._peers.get(name)
        if p is None or p.proc.poll() is not None:
            p = _peer(name, *self._args, srtp=srtp)
            self._peers[name] = p
        return p

    def reset(self) -> None:
        """Hang up whatever a test left behind, so the next test starts clean."""
        for p in self._peers.values():
            if p.proc.poll() is not None:
                continue
            for cid, state in p.cmd("state")["calls"].items():
                if state not in ("disconnected", "gone"):
                    try:
                        p.cmd("hangup", call=int(cid))
                    except Exception:  # noqa: BLE001, S110 - best effort between tests
                        pass
            p.cmd("autoanswer", code=0)
            p.cmd("options", strip_telephone_event=False)
            p.clear_events()

    def close(self) -> None:
        for p in self._peers.values():
            p.close()


@pytest.fixture(scope="session")
def peers(kamailio: Kamailio, pki: TestPKI, peer_logs: Path) -> Iterator[Peers]:
    ps = Peers(kamailio, pki, peer_logs)
    try:
        yield ps
    finally:
        ps.close()


@pytest.fixture
def clean_peers(peers: Peers) -> Iterator[Peers]:
    yield peers
    peers.reset()


@pytest.fixture
def phone_config(kamailio: Kamailio, pki: TestPKI) -> PhoneConfig:
    return PhoneConfig(registrar=kamailio.registrar, ca_bundle=str(pki.ca_file), null_audio=True,
                       after_call_work_seconds=0, quality_interval_seconds=1)


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def recorder(bus: EventBus) -> Iterator[EventRecorder]:
    rec = EventRecorder(bus)
    yield rec
    rec.close()


AGENT = SipCredentials("agent", DEFAULT_USERS["agent"])


@pytest.fixture
def phone(phone_config: PhoneConfig, bus: EventBus, recorder: EventRecorder,
          tones: dict[str, Path]) -> Iterator[Phone]:
    """A started, registered engine whose microphone is a 600 Hz tone."""
    p = Phone(phone_config, bus, capture_file=tones["engine"])
    p.start()
    try:
        outcome = p.register(AGENT).result(15)
        assert outcome.state == "registered", outcome
        yield p
    finally:
        stopped = p.stop()
        assert stopped.clean, stopped


def with_config(cfg: PhoneConfig, **changes: object) -> PhoneConfig:
    return replace(cfg, **changes)  # type: ignore[arg-type]
