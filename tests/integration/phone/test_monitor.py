"""Supervisor monitoring with three real pjsua2 parties through the real Kamailio over TLS.

The customer (peer process "caller") plays 500 Hz, the agent (the engine, in this process)
1000 Hz from its microphone, the team lead (peer process "lead") 1500 Hz. Each records what
it hears; an FFT says which tones are in each recording.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from agent_desktop.bus import EventBus
from agent_desktop.demo.kamailio import Kamailio
from agent_desktop.demo.sip_peer import PeerProcess, write_tone
from agent_desktop.monitoring.gate import HEADER, MonitorGate
from agent_desktop.phone import events as ev
from agent_desktop.phone.config import PhoneConfig
from agent_desktop.phone.engine import Phone
from agent_desktop.phone.sip_thread import PREFERRED_CODECS
from agent_desktop.server.monitor import make_grant
from tests.integration.phone.conftest import AGENT, Peers
from tests.integration.phone.test_calls import incoming_answered
from tests.support.phone_helpers import EventRecorder, read_wav, tones_heard

CUSTOMER_HZ, AGENT_HZ, LEAD_HZ = 500, 1000, 1500
SETTLE_S = 0.6  # skipped at the start of each recording: jitter buffers fill, links settle
# pjmedia's bridge lowers a port's gain while it mixes two sources and raises it again after
# (up to ~3.5x): quiet tones keep that from clipping, whose harmonics (500 * 3 = 1500)
# would read as a tone heard
AMPLITUDE = 3000


@dataclass
class Signer:
    key: Ed25519PrivateKey

    @property
    def public_hex(self) -> str:
        return self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def grant(self, mode: str, agent: str = "agent", sup: str = "lead", ttl: int = 60) -> str:
        return make_grant(self.key.sign, sup, agent, mode, ttl)[1]


@pytest.fixture(scope="module")
def server_key() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


class Clock:
    """The engine's monotonic clock, which a test may move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def g722_peers(peers: Peers) -> Iterator[Peers]:
    """Customer and team lead speak G.722 first, as the engine does: pjsua's default speex
    conceals late frames on a loaded machine with a tone that grows louder (and clips)."""
    before = {name: peers.get(name).cmd("codecs", priorities=PREFERRED_CODECS)["priorities"]
              for name in ("caller", "lead")}
    yield peers
    for name, priorities in before.items():
        peers.get(name).cmd("codecs", priorities=priorities)


@pytest.fixture
def agent_phone(phone_config: PhoneConfig, bus: EventBus, recorder: EventRecorder,
                server_key: Signer, clock: Clock, tmp_path: Path) -> Iterator[Phone]:
    """The agent's engine: microphone = 1000 Hz, grants checked with the server's key."""
    gate = MonitorGate(server_key.public_hex, "agent", max_session_minutes=30)
    p = Phone(phone_config, bus, capture_file=write_tone(tmp_path / "agent.wav", AGENT_HZ, amplitude=AMPLITUDE),
              monitor_gate=gate, clock=clock)
    p.start()
    try:
        assert p.register(AGENT).result(15).state == "registered"
        yield p
    finally:
        assert p.stop().clean


def heard(path: Path) -> set[int]:
    """The tones clearly in a recording; one neither clearly in nor out fails the test."""
    data, rate = read_wav(path, SETTLE_S)
    return tones_heard(data, rate, (CUSTOMER_HZ, AGENT_HZ, LEAD_HZ), path.name)


@dataclass
class Session:
    phone: Phone
    recorder: EventRecorder
    customer: PeerProcess
    lead: PeerProcess
    call_id: str  # the agent's customer call
    ccall: int  # the customer's call in its peer
    lcall: int = -1  # the team lead's call in its peer
    leg_id: str = ""

    def record(self, folder: Path, seconds: float = 1.6,
               parties: tuple[str, ...] = ("customer", "agent", "lead")) -> dict[str, set[int]]:
        """What each party hears, recorded at once."""
        stamp = time.monotonic_ns()
        paths = {who: folder / f"{who}-{stamp}.wav" for who in parties}
        peers = {"customer": (self.customer, self.ccall), "lead": (self.lead, self.lcall)}
        for who in parties:
            if who in peers:
                peers[who][0].cmd("record", call=peers[who][1], path=str(paths[who]))
        if "agent" in parties:
            self.phone.record_speaker(paths["agent"]).result(5)
        time.sleep(seconds)  # the length of the recording, not a wait for a condition
        if "agent" in parties:
            self.phone.stop_speaker_recording().result(5)
        for who in parties:
            if who in peers:
                peers[who][0].cmd("stop_record", call=peers[who][1], path=str(paths[who]))
        return {who: heard(p) for who, p in paths.items()}


def customer_call(phone: Phone, recorder: EventRecorder, peers: Peers,
                  kamailio: Kamailio) -> Session:
    customer, lead = peers.get("caller"), peers.get("lead")
    call_id, ccall = incoming_answered(phone, recorder, customer, kamailio)
    customer.cmd("play", call=ccall, freq=CUSTOMER_HZ, amplitude=AMPLITUDE)
    return Session(phone, recorder, customer, lead, call_id, ccall)


def lead_dials(s: Session, kamailio: Kamailio, token: str | None) -> int:
    s.lead.clear_events()
    headers = {HEADER: token} if token is not None else {}
    return int(s.lead.cmd("call", uri=kamailio.uri("agent"), headers=headers)["call"])


def lead_joins(s: Session, kamailio: Kamailio, token: str) -> ev.MonitorStarted:
    s.lcall = lead_dials(s, kamailio, token)
    started = s.recorder.wait(ev.MonitorStarted)
    s.leg_id = started.leg_id
    s.lead.wait_event(lambda e: e.get("event") == "media" and e["call"] == s.lcall
                      and e["status"] == 1, what="lead's media")
    s.lead.cmd("play", call=s.lcall, freq=LEAD_HZ, amplitude=AMPLITUDE)
    return started


def lead_refused(s: Session, kamailio: Kamailio, token: str | None, code: int) -> None:
    lcall = lead_dials(s, kamailio, token)
    s.lead.wait_event(lambda e: e.get("event") == "call_state" and e["call"] == lcall
                      and e["state"] == "disconnected", what="refusal")
    got = [e for e in s.lead.events if e.get("event") == "call_state" and e["call"] == lcall]
    assert got[-1]["code"] == code, got


def mode_is(s: Session, mode: str) -> Callable[[ev.MonitorModeChanged], bool]:
    return lambda e: e.leg_id == s.leg_id and e.mode == mode


def test_listen_whisper_barge_in_one_session_then_dtmf_back_to_listen(
        agent_phone: Phone, recorder: EventRecorder, clean_peers: Peers, g722_peers: Peers, kamailio: Kamailio,
        server_key: Signer, tmp_path: Path) -> None:
    s = customer_call(agent_phone, recorder, clean_peers, kamailio)
    started = lead_joins(s, kamailio, server_key.grant("listen"))
    assert (started.call_id, started.mode, started.sup) == (s.call_id, "listen", "lead")
    assert list(agent_phone.calls()) == [s.call_id], "the supervisor leg is not an agent call"
    assert not recorder.of(ev.IncomingCall)[1:], "a monitoring leg never rings"
    assert s.record(tmp_path) == {"lead": {CUSTOMER_HZ, AGENT_HZ}, "agent": {CUSTOMER_HZ},
                                  "customer": {AGENT_HZ}}

    s.lead.cmd("reinvite", call=s.lcall, headers={HEADER: server_key.grant("whisper")})
    changed = recorder.wait(ev.MonitorModeChanged, mode_is(s, "whisper"))
    assert (changed.previous, changed.via, changed.nonce) == ("listen", "reinvite", started.nonce)
    assert s.record(tmp_path) == {"lead": {CUSTOMER_HZ, AGENT_HZ},
                                  "agent": {CUSTOMER_HZ, LEAD_HZ}, "customer": {AGENT_HZ}}

    s.lead.cmd("reinvite", call=s.lcall, headers={HEADER: server_key.grant("barge")})
    recorder.wait(ev.MonitorModeChanged, mode_is(s, "barge"))
    assert s.record(tmp_path) == {"lead": {CUSTOMER_HZ, AGENT_HZ},
                                  "agent": {CUSTOMER_HZ, LEAD_HZ},
                                  "customer": {AGENT_HZ, LEAD_HZ}}

    s.lead.cmd("dtmf", call=s.lcall, digits="4")  # within the barge grant: back to listen
    assert recorder.wait(ev.MonitorModeChanged, mode_is(s, "listen")).via == "dtmf"
    assert s.record(tmp_path)["customer"] == {AGENT_HZ}

    s.lead.cmd("hangup", call=s.lcall)
    ended = recorder.wait(ev.MonitorEnded, lambda e: e.leg_id == s.leg_id)
    assert (ended.cause, ended.nonce) == ("supervisor_hangup", started.nonce)
    agent_phone.hangup(s.call_id).result(5)
    recorder.wait(ev.CallEnded, lambda e: e.call.call_id == s.call_id)


def test_dtmf_beyond_the_grant_is_refused_hold_rewires_and_customer_hang_up_ends_the_leg(
        agent_phone: Phone, recorder: EventRecorder, clean_peers: Peers, g722_peers: Peers, kamailio: Kamailio,
        server_key: Signer, tmp_path: Path) -> None:
    s = customer_call(agent_phone, recorder, clean_peers, kamailio)
    lead_joins(s, kamailio, server_key.grant("listen"))
    s.lead.cmd("dtmf", call=s.lcall, digits="6")
    refused = recorder.wait(ev.MonitorModeRefused, lambda e: e.leg_id == s.leg_id)
    assert (refused.requested, refused.via, refused.reason) == ("barge", "dtmf", "beyond_grant")
    s.lead.cmd("reinvite", call=s.lcall, headers={HEADER: server_key.grant("barge", sup="lead-2")})
    other = recorder.wait(ev.MonitorModeRefused, lambda e: e.via == "reinvite")
    assert other.reason == "other_team_lead"
    assert not recorder.of(ev.MonitorModeChanged)
    assert s.record(tmp_path)["customer"] == {AGENT_HZ}, "the customer never hears the lead"

    # hold and resume rebuild the lead's links from nothing: none is left stale
    agent_phone.hold(s.call_id).result(5)
    recorder.wait(ev.CallMediaChanged, lambda e: e.call.call_id == s.call_id and e.call.held)
    assert s.record(tmp_path, parties=("lead",)) == {"lead": {AGENT_HZ}}, "customer held: the agent only"
    agent_phone.resume(s.call_id).result(5)
    recorder.wait(ev.CallMediaChanged, lambda e: e.call.call_id == s.call_id and not e.call.held
                  and e.call.media_active)
    assert s.record(tmp_path, parties=("lead", "agent")) == {"lead": {CUSTOMER_HZ, AGENT_HZ}, "agent": {CUSTOMER_HZ}}

    s.customer.cmd("hangup", call=s.ccall)
    ended = recorder.wait(ev.MonitorEnded, lambda e: e.leg_id == s.leg_id)
    assert ended.cause == "customer_call_ended"
    s.lead.wait_event(lambda e: e.get("event") == "call_state" and e["call"] == s.lcall
                      and e["state"] == "disconnected", what="supervisor leg hung up")


def test_the_session_limit_ends_monitoring(
        agent_phone: Phone, recorder: EventRecorder, clean_peers: Peers, g722_peers: Peers, kamailio: Kamailio,
        server_key: Signer, clock: Clock) -> None:
    s = customer_call(agent_phone, recorder, clean_peers, kamailio)
    lead_joins(s, kamailio, server_key.grant("whisper"))
    clock.offset += 30 * 60 + 1
    ended = recorder.wait(ev.MonitorEnded, lambda e: e.leg_id == s.leg_id)
    assert ended.cause == "session_limit"
    s.lead.wait_event(lambda e: e.get("event") == "call_state" and e["call"] == s.lcall
                      and e["state"] == "disconnected", what="supervisor leg hung up")
    assert list(agent_phone.calls()) == [s.call_id], "the customer call goes on"
    agent_phone.hangup(s.call_id).result(5)


def test_forged_expired_replayed_and_wrong_agent_grants_get_403_and_are_recorded(
        agent_phone: Phone, recorder: EventRecorder, clean_peers: Peers, g722_peers: Peers, kamailio: Kamailio,
        server_key: Signer) -> None:
    s = customer_call(agent_phone, recorder, clean_peers, kamailio)
    forger = Signer(Ed25519PrivateKey.generate())
    used = server_key.grant("barge")
    lead_joins(s, kamailio, used)
    s.lead.cmd("hangup", call=s.lcall)
    recorder.wait(ev.MonitorEnded)
    cases = {"forged": forger.grant("barge"), "expired": server_key.grant("listen", ttl=-5),
             "replayed": used, "wrong agent": server_key.grant("listen", agent="agent-2"),
             "garbage": "not-a-grant"}
    for token in cases.values():
        lead_refused(s, kamailio, token, 403)
    refusals = recorder.of(ev.MonitorRefused)
    assert [r.code for r in refusals] == [403] * len(cases)
    assert [r.why for r in refusals] == ["forged", "expired", "replayed", "other_agent", "malformed"]
    assert refusals[0].nonce and refusals[0].sup == "lead"  # what the forgery claimed
    # an ordinary second call is still busy
    lead_refused(s, kamailio, None, 486)
    assert recorder.wait(ev.CallRejected).reason == "busy_on_call"
    assert not recorder.of(ev.MonitorStarted)[1:]
    assert list(agent_phone.calls()) == [s.call_id]
    agent_phone.hangup(s.call_id).result(5)
    recorder.wait(ev.CallEnded, lambda e: e.call.call_id == s.call_id)
    # with no customer call up, even a valid grant is refused
    lead_refused(s, kamailio, server_key.grant("listen"), 403)
    assert recorder.of(ev.MonitorRefused)[-1].reason == "monitor_no_call"
