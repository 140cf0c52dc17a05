"""Interoperability with a SIP client nobody here wrote, Debian 12's baresip (linphonec:
test_linphone.py): sip: URIs over TLS through Kamailio, SDES-SRTP, tones checked by FFT
both ways.

Each client runs once per session (one process, registered), so these tests add little time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_desktop.demo.certs import TestPKI
from agent_desktop.demo.kamailio import DEFAULT_USERS, Kamailio
from agent_desktop.phone import events as ev
from agent_desktop.phone.engine import Phone
from tests.integration.phone.conftest import (
    ENGINE_TONE_HZ,
    PEER_TONE_HZ,
    engine_hears_peer_tone_then_hangs_up,
)
from tests.support.baresip import BARESIP, Baresip
from tests.support.phone_helpers import EventRecorder, WavTap, dominant_frequency

pytestmark = pytest.mark.skipif(BARESIP is None, reason="baresip is not installed (./scripts/bootstrap)")


@pytest.fixture(scope="session")
def baresip(tmp_path_factory: pytest.TempPathFactory, kamailio: Kamailio, pki: TestPKI,
            third_party_tone: Path) -> Iterator[Baresip]:
    b = Baresip(tmp_path_factory.mktemp("baresip"), pki, f"127.0.0.1:{kamailio.tls_port}",
                "baresip", DEFAULT_USERS["baresip"], third_party_tone)
    try:
        b.wait_registered()
        yield b
    finally:
        b.close()


def _hear_each_other(phone: Phone, call_id: str, peer: Baresip, t0: float, at: int,
                     folder: Path) -> None:
    """The engine hears the peer's 1 kHz; the peer's decoded dump holds the engine's 600 Hz."""
    engine_hears_peer_tone_then_hangs_up(phone, call_id, folder)
    peer.wait_line(r"terminated", since=at)  # its dump is complete once the call is over
    dumps = peer.dumps_after(t0)
    assert dumps, "baresip wrote no decoded audio"
    theirs, level = dominant_frequency(dumps[-1])
    assert abs(theirs - ENGINE_TONE_HZ) < 5 and level > 1000, (theirs, level)


def test_the_agent_calls_baresip_with_a_sip_uri_over_tls_and_srtp_tones_both_ways(
        phone: Phone, recorder: EventRecorder, baresip: Baresip, tmp_path: Path) -> None:
    t0 = time.time()
    at = baresip.mark()
    call_id = phone.dial("baresip").result(5)
    answered = recorder.wait(ev.CallAnswered, lambda e: e.call_id == call_id, timeout=20)
    assert answered.srtp_suite.startswith("AES"), answered
    info = recorder.wait(ev.CallMediaChanged,
                         lambda e: e.call.call_id == call_id and e.call.media_active).call
    assert info.remote.startswith("sip:") and info.tls
    baresip.wait_line(r"Call established", since=at)
    time.sleep(0.3)  # (no BYE "SIPS Required" right after the answer any more)
    assert phone.calls()[call_id].state == "confirmed"
    _hear_each_other(phone, call_id, baresip, t0, at, tmp_path)
    assert recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id).cause == "local_hangup"
    assert not recorder.of(ev.CallRefused)


def test_baresip_calls_the_agent_with_a_sip_uri_and_is_answered_not_refused(
        phone: Phone, recorder: EventRecorder, baresip: Baresip, kamailio: Kamailio,
        tmp_path: Path) -> None:
    t0 = time.time()
    at = baresip.dial(f"sip:agent@127.0.0.1:{kamailio.tls_port};transport=tls")
    incoming = recorder.wait(ev.IncomingCall, timeout=20).call
    phone.answer(incoming.call_id).result(5)
    recorder.wait(ev.CallAnswered, lambda e: e.call_id == incoming.call_id)
    recorder.wait(ev.CallMediaChanged,
                  lambda e: e.call.call_id == incoming.call_id and e.call.media_active)
    _hear_each_other(phone, incoming.call_id, baresip, t0, at, tmp_path)
    assert not recorder.of(ev.CallRefused)


def test_a_sips_call_to_a_peer_that_answers_from_a_sip_contact_is_ended_and_audited(
        phone: Phone, recorder: EventRecorder, baresip: Baresip, kamailio: Kamailio) -> None:
    # the agent typed sips: explicitly: the dialog must be sips: end to end, and baresip
    # answers from a sip: Contact, so pjsip ends the call; the workstation must see why
    call_id = phone.dial(f"sips:baresip@127.0.0.1:{kamailio.tls_port}").result(5)
    refused = recorder.wait(ev.CallRefused, lambda e: e.call_id == call_id, timeout=20)
    assert (refused.direction, refused.reason) == ("outgoing", "sips_required"), refused
    recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id)
    assert not recorder.of(ev.CallAnswered)


def test_baresip_holds_and_resumes_twice_and_the_agent_hears_it_after_each_resume(
        phone: Phone, recorder: EventRecorder, baresip: Baresip, tmp_path: Path) -> None:
    at = baresip.mark()
    call_id = phone.dial("baresip").result(5)
    recorder.wait(ev.CallAnswered, lambda e: e.call_id == call_id, timeout=20)
    baresip.wait_line(r"Call established", since=at)
    for _ in range(2):
        recorder.clear()
        baresip.send("/hold")  # re-INVITE a=sendonly
        recorder.wait(ev.CallMediaChanged, lambda e: e.call.call_id == call_id and e.call.remote_held)
        recorder.clear()
        baresip.send("/resume")  # re-INVITE a=sendrecv, same crypto
        recorder.wait(ev.CallMediaChanged, lambda e: e.call.call_id == call_id
                      and not e.call.remote_held and e.call.media_active)
        assert not recorder.of(ev.CallRefused)
        mine = tmp_path / f"engine-{time.monotonic_ns()}.wav"
        phone.start_recording(call_id, WavTap(mine), mix=False).result(5)
        time.sleep(1.5)
        phone.stop_recording(call_id).result(5)
        heard, level = dominant_frequency(mine)
        assert abs(heard - PEER_TONE_HZ) < 5 and level > 1000, (heard, level)
    # (baresip's own dump does not restart after a resume: the pjsua2 peer's test checks
    # what the far end hears, test_remote_hold.py)
    phone.hangup(call_id).result(5)
    baresip.wait_line(r"terminated", since=at)
