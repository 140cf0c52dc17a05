"""Interoperability with Debian 12's linphonec 5.1 (``linphone-cli``): ``sip:`` URIs over TLS
through Kamailio, mandatory SDES-SRTP, tones checked by FFT both ways; a linphonec offering
plain RTP or DTLS-SRTP is refused before anything rings and the phone lives on.

One registered linphonec serves the session; each refusal case starts its own short-lived
linphonec that authenticates its INVITE without registering (so it never takes calls meant
for the registered one).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_desktop.demo.certs import TestPKI
from agent_desktop.demo.kamailio import DEFAULT_USERS, Kamailio
from agent_desktop.phone import events as ev
from agent_desktop.phone.engine import Phone
from tests.integration.phone.conftest import ENGINE_TONE_HZ, engine_hears_peer_tone_then_hangs_up
from tests.support.linphone import LINPHONEC, Linphone
from tests.support.phone_helpers import EventRecorder, dominant_frequency

pytestmark = pytest.mark.skipif(LINPHONEC is None,
                                reason="linphonec is not installed (./scripts/bootstrap)")


@pytest.fixture(scope="session")
def linphone(tmp_path_factory: pytest.TempPathFactory, kamailio: Kamailio, pki: TestPKI,
             third_party_tone: Path) -> Iterator[Linphone]:
    lp = Linphone(tmp_path_factory.mktemp("linphonec"), pki, f"127.0.0.1:{kamailio.tls_port}",
                  "linphone", DEFAULT_USERS["linphone"], third_party_tone)
    try:
        lp.wait_registered()
        yield lp
    finally:
        lp.close()


def _hear_each_other(phone: Phone, call_id: str, peer: Linphone, at: int, theirs: Path,
                     folder: Path) -> None:
    """The engine hears linphonec's 1 kHz; linphonec's recording holds the engine's 600 Hz."""
    peer.wait_line(r"Media streams established", since=at)
    engine_hears_peer_tone_then_hangs_up(phone, call_id, folder)
    peer.wait_line(r"Call \d+ with .* ended", since=at)  # its recording is complete now
    assert theirs.exists(), "linphonec wrote no recording"
    heard, level = dominant_frequency(theirs)
    assert abs(heard - ENGINE_TONE_HZ) < 5 and level > 1000, (heard, level)


def test_the_agent_calls_linphonec_with_a_sip_uri_over_tls_and_srtp_tones_both_ways(
        phone: Phone, recorder: EventRecorder, linphone: Linphone, tmp_path: Path) -> None:
    theirs = tmp_path / "linphonec-heard.wav"
    linphone.record_next_call(theirs)
    at = linphone.mark()
    call_id = phone.dial("linphone").result(5)
    answered = recorder.wait(ev.CallAnswered, lambda e: e.call_id == call_id, timeout=20)
    assert answered.srtp_suite.startswith("AES"), answered
    info = recorder.wait(ev.CallMediaChanged,
                         lambda e: e.call.call_id == call_id and e.call.media_active).call
    # linphonec registered a sip: Contact (a GRUU, which Kamailio does not hand out here)
    assert info.remote.startswith("sip:linphone@") and info.tls, info
    _hear_each_other(phone, call_id, linphone, at, theirs, tmp_path)
    assert recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id).cause == "local_hangup"
    assert not recorder.of(ev.CallRefused)


def test_linphonec_calls_the_agent_with_a_sip_uri_and_is_answered_over_srtp_tones_both_ways(
        phone: Phone, recorder: EventRecorder, linphone: Linphone, kamailio: Kamailio,
        tmp_path: Path) -> None:
    theirs = tmp_path / "linphonec-heard.wav"
    linphone.record_next_call(theirs)
    at = linphone.dial(f"sip:agent@127.0.0.1:{kamailio.tls_port};transport=tls")
    incoming = recorder.wait(ev.IncomingCall, timeout=20).call
    assert "<sip:linphone@" in incoming.remote and incoming.tls, incoming
    phone.answer(incoming.call_id).result(5)
    answered = recorder.wait(ev.CallAnswered, lambda e: e.call_id == incoming.call_id)
    assert answered.srtp_suite.startswith("AES"), answered
    recorder.wait(ev.CallMediaChanged,
                  lambda e: e.call.call_id == incoming.call_id and e.call.media_active)
    _hear_each_other(phone, incoming.call_id, linphone, at, theirs, tmp_path)
    assert not recorder.of(ev.CallRefused)


@pytest.mark.parametrize(("encryption", "reason"), [("none", "no_srtp"), ("dtls", "dtls_srtp")])
def test_linphonec_offering_media_without_sdes_srtp_is_refused_488_before_ringing(
        phone: Phone, recorder: EventRecorder, kamailio: Kamailio, pki: TestPKI,
        third_party_tone: Path, tmp_path: Path, encryption: str, reason: str) -> None:
    # plain RTP (RTP/AVP) or DTLS-SRTP (UDP/TLS/RTP/SAVP): never rings, one audited refusal
    caller = Linphone(tmp_path / "caller", pki, f"127.0.0.1:{kamailio.tls_port}", "linphone",
                      DEFAULT_USERS["linphone"], third_party_tone, media_encryption=encryption,
                      mandatory=encryption != "none", register=False)
    try:
        at = caller.dial(f"sip:agent@127.0.0.1:{kamailio.tls_port};transport=tls")
        refused = recorder.wait(ev.CallRefused, timeout=20)
        assert (refused.direction, refused.code, refused.reason) == ("incoming", 488, reason)
        caller.wait_line(r"Call \d+ .*(error|declined|ended|Not Acceptable)", since=at)
    finally:
        caller.close()
    assert not recorder.of(ev.IncomingCall)
    assert len(recorder.of(ev.CallRefused)) == 1
    assert phone.registration.state == "registered"
