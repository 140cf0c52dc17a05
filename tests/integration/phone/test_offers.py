"""Every incoming offer profile: what the phone cannot serve is refused before it rings,
visibly (one CallRefused on the bus, which is AuditWorthy), and the process lives on."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from agent_desktop.demo.certs import TestPKI
from agent_desktop.demo.kamailio import DEFAULT_USERS, Kamailio
from agent_desktop.phone import events as ev
from agent_desktop.phone.engine import Phone
from tests.support.phone_helpers import EventRecorder
from tests.support.raw_invite import OFFERS, RawCaller

# profile -> (SIP code the caller gets, reason word, event class) ; None: it rings
EXPECTED: dict[str, tuple[int, str, type] | None] = {
    "RTP/AVP": (488, "no_srtp", ev.SrtpRefused),
    "RTP/SAVP": None,
    "RTP/SAVPF": None,
    "UDP/TLS/RTP/SAVP": (488, "dtls_srtp", ev.SrtpRefused),
    "UDP/TLS/RTP/SAVPF": (488, "dtls_srtp", ev.SrtpRefused),
    "no audio": (488, "no_audio", ev.CallRefused),
    "two audio streams": None,
    "malformed SDP": (400, "malformed_sdp", ev.CallRefused),
}


@pytest.fixture
def raw_caller(kamailio: Kamailio, pki: TestPKI) -> Iterator[RawCaller]:
    caller = RawCaller("127.0.0.1", kamailio.tls_port, pki.ca_file, "lead", DEFAULT_USERS["lead"])
    try:
        yield caller
    finally:
        caller.close()


def _agent_uri(kamailio: Kamailio) -> str:
    return f"sip:agent@127.0.0.1:{kamailio.tls_port};transport=tls"


@pytest.mark.parametrize("profile", list(EXPECTED))
def test_each_offer_profile_rings_or_is_refused_before_ringing_and_audited_once(
        profile: str, phone: Phone, recorder: EventRecorder, raw_caller: RawCaller,
        kamailio: Kamailio) -> None:
    outcome = raw_caller.invite(_agent_uri(kamailio), OFFERS[profile])
    expected = EXPECTED[profile]
    if expected is None:
        assert outcome.code == 180, outcome
        incoming = recorder.wait(ev.IncomingCall).call
        recorder.wait(ev.CallEnded, lambda e: e.call.call_id == incoming.call_id)
        assert not recorder.of(ev.CallRefused)
        return
    code, reason, kind = expected
    assert outcome.code == code, outcome
    refused = recorder.wait(kind)
    assert (refused.direction, refused.code, refused.reason) == ("incoming", code, reason)
    assert isinstance(refused, ev.AuditWorthy) and reason in ev.REFUSAL_REASONS
    assert re.fullmatch(r"[0-9a-f]{16}", refused.call_id), "an opaque id, never a URI"
    assert not recorder.of(ev.IncomingCall), "a refused call must never ring"
    # the process lives on and takes the next call
    recorder.clear()
    assert raw_caller.invite(_agent_uri(kamailio), OFFERS["RTP/SAVP"]).code == 180
    recorder.wait(ev.IncomingCall)
    assert len(recorder.of(ev.CallRefused)) == 0
    assert phone.running


def test_an_invite_without_an_offer_rings_and_the_phone_makes_an_srtp_offer(
        phone: Phone, recorder: EventRecorder, raw_caller: RawCaller, kamailio: Kamailio) -> None:
    assert raw_caller.invite(_agent_uri(kamailio), None).code == 180
    recorder.wait(ev.IncomingCall)
    assert not recorder.of(ev.CallRefused)
