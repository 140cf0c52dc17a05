"""Calls through the real Kamailio over TLS between the engine and pjsua2 peer processes."""

from __future__ import annotations

import time
from pathlib import Path

from agent_desktop.demo.kamailio import Kamailio
from agent_desktop.demo.sip_peer import PeerProcess
from agent_desktop.phone import events as ev
from agent_desktop.phone.agent_state import AgentState
from agent_desktop.phone.engine import Phone
from tests.integration.phone.conftest import ENGINE_TONE_HZ, PEER_TONE_HZ, Peers
from tests.support.phone_helpers import (
    EventRecorder,
    WavTap,
    dominant_frequency,
    quiet_chunks,
    rms_level,
)


def connected(recorder: EventRecorder, call_id: str) -> ev.CallInfo:
    return recorder.wait(ev.CallMediaChanged,
                         lambda e: e.call.call_id == call_id and e.call.media_active).call


def peer_media(peer: PeerProcess, status: int = 1) -> int:
    return int(peer.wait_event(lambda e: e.get("event") == "media" and e["status"] == status,
                               what=f"media status {status}")["call"])


def peer_confirmed(peer: PeerProcess, pcall: int) -> None:
    """The peer's INVITE session is confirmed (the callee's only once the ACK arrived, after
    its media is up): before that, a hold or re-INVITE from it fails with ESESSIONSTATE."""
    peer.wait_event(lambda e: e.get("event") == "call_state" and e["call"] == pcall
                    and e["state"] == "confirmed", what="the peer's call confirmed")


def dial_answered(phone: Phone, recorder: EventRecorder, peer: PeerProcess, user: str) -> tuple[str, int]:
    peer.cmd("autoanswer", code=200)
    call_id = phone.dial(user).result(5)
    recorder.wait(ev.CallAnswered, lambda e: e.call_id == call_id)
    connected(recorder, call_id)
    pcall = peer_media(peer)
    peer_confirmed(peer, pcall)
    return call_id, pcall


def incoming_answered(phone: Phone, recorder: EventRecorder, peer: PeerProcess,
                      kamailio: Kamailio) -> tuple[str, int]:
    pcall = int(peer.cmd("call", uri=kamailio.uri("agent"))["call"])
    call_id = recorder.wait(ev.IncomingCall).call.call_id
    phone.answer(call_id).result(5)
    recorder.wait(ev.CallAnswered, lambda e: e.call_id == call_id)
    connected(recorder, call_id)
    peer_media(peer)
    peer_confirmed(peer, pcall)
    return call_id, pcall


def record_both(phone: Phone, peer: PeerProcess, call_id: str, pcall: int, folder: Path,
                seconds: float = 1.5) -> tuple[Path, Path]:
    mine, theirs = folder / f"engine-{time.monotonic_ns()}.wav", folder / f"peer-{time.monotonic_ns()}.wav"
    peer.cmd("record", call=pcall, path=str(theirs))
    phone.start_recording(call_id, WavTap(mine), mix=False).result(5)
    time.sleep(seconds)
    phone.stop_recording(call_id).result(5)
    peer.cmd("stop_record", call=pcall, path=str(theirs))
    return mine, theirs


def test_outgoing_call_carries_tones_both_ways_over_srtp_and_reports_quality(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, tmp_path: Path) -> None:
    peer = clean_peers.get("peer2")
    call_id, pcall = dial_answered(phone, recorder, peer, "peer2")
    info = phone.calls()[call_id]
    assert info.srtp_suite.startswith("AES"), info
    assert info.tls and info.state == "confirmed"
    peer.cmd("play", call=pcall, freq=PEER_TONE_HZ)
    mine, theirs = record_both(phone, peer, call_id, pcall, tmp_path, seconds=2.0)
    engine_freq, _ = dominant_frequency(mine)
    peer_freq, _ = dominant_frequency(theirs)
    assert abs(engine_freq - PEER_TONE_HZ) < 5, engine_freq
    assert abs(peer_freq - ENGINE_TONE_HZ) < 5, peer_freq
    # continuous both ways: no drop-outs (pjmedia's VAD used to silence a steady tone)
    assert quiet_chunks(mine) == 0 and quiet_chunks(theirs) == 0
    quality = recorder.wait(ev.CallQuality, lambda e: e.call_id == call_id and e.rx_packets > 0)
    assert quality.loss_percent < 50
    phone.hangup(call_id).result(5)
    ended = recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id)
    assert ended.cause == "local_hangup"
    peer.wait_event(lambda e: e.get("event") == "call_state" and e["state"] == "disconnected")
    assert call_id not in phone.calls()


def test_incoming_call_rings_is_answered_and_ends_when_the_caller_hangs_up(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, kamailio: Kamailio) -> None:
    caller = clean_peers.get("caller")
    pcall = int(caller.cmd("call", uri=kamailio.uri("agent"))["call"])
    incoming = recorder.wait(ev.IncomingCall).call
    assert incoming.direction == "incoming" and incoming.state == "ringing"
    assert "caller" in incoming.remote  # the UI shows who calls; logs never do
    caller.wait_event(lambda e: e.get("event") == "call_state" and e["code"] == 180, what="180")
    phone.answer(incoming.call_id).result(5)
    answered = recorder.wait(ev.CallAnswered, lambda e: e.call_id == incoming.call_id)
    assert answered.direction == "incoming"
    info = connected(recorder, incoming.call_id)
    assert info.srtp_suite.startswith("AES"), info
    caller.cmd("hangup", call=pcall)
    ended = recorder.wait(ev.CallEnded, lambda e: e.call.call_id == incoming.call_id)
    assert ended.cause == "remote_hangup"


def test_reject_answers_603_and_not_ready_answers_486(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, kamailio: Kamailio) -> None:
    caller = clean_peers.get("caller")
    caller.cmd("call", uri=kamailio.uri("agent"))
    call_id = recorder.wait(ev.IncomingCall).call.call_id
    phone.reject(call_id, 603).result(5)
    caller.wait_event(lambda e: e.get("event") == "call_state" and e["state"] == "disconnected"
                      and e["code"] == 603, what="603")
    assert recorder.wait(ev.CallRejected).why == "agent_rejected"
    recorder.clear()
    caller.clear_events()

    phone.set_agent_state(AgentState.NOT_READY, "lunch").result(5)
    assert recorder.wait(ev.AgentStateChanged).state == "not_ready"
    caller.cmd("call", uri=kamailio.uri("agent"))
    caller.wait_event(lambda e: e.get("event") == "call_state" and e["state"] == "disconnected"
                      and e["code"] == 486, what="486")
    assert recorder.wait(ev.CallRejected).why == "busy_not_ready"
    assert not recorder.of(ev.IncomingCall)


def test_after_call_work_makes_the_agent_busy_until_its_timer_ends(
        phone_config: object, bus: object, recorder: EventRecorder, clean_peers: Peers,
        kamailio: Kamailio, tones: dict[str, Path]) -> None:
    from tests.integration.phone.conftest import AGENT, with_config

    cfg = with_config(phone_config, after_call_work_seconds=3)  # type: ignore[arg-type]
    with Phone(cfg, bus, capture_file=tones["engine"]) as phone:  # type: ignore[arg-type]
        assert phone.register(AGENT).result(15).state == "registered"
        caller = clean_peers.get("caller")
        call_id, pcall = incoming_answered(phone, recorder, caller, kamailio)
        caller.cmd("hangup", call=pcall)
        acw = recorder.wait(ev.AgentStateChanged, lambda e: e.state == "after_call_work")
        assert acw.seconds_left > 0
        caller.clear_events()
        caller.cmd("call", uri=kamailio.uri("agent"))
        caller.wait_event(lambda e: e.get("event") == "call_state" and e["code"] == 486, what="486")
        recorder.wait(ev.AgentStateChanged, lambda e: e.state == "available", timeout=20)


def test_hold_resume_and_mute_silence_what_the_far_end_hears(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, tmp_path: Path) -> None:
    peer = clean_peers.get("peer2")
    call_id, pcall = dial_answered(phone, recorder, peer, "peer2")
    _, theirs = record_both(phone, peer, call_id, pcall, tmp_path)
    assert rms_level(theirs) > 1000

    phone.set_mute(call_id, True).result(5)
    _, theirs = record_both(phone, peer, call_id, pcall, tmp_path)
    assert rms_level(theirs) < 50, "muted: the far end must hear silence"
    phone.set_mute(call_id, False).result(5)
    _, theirs = record_both(phone, peer, call_id, pcall, tmp_path)
    assert abs(dominant_frequency(theirs)[0] - ENGINE_TONE_HZ) < 5

    peer.clear_events()
    phone.hold(call_id).result(5)
    peer_media(peer, status=3)  # PJSUA_CALL_MEDIA_REMOTE_HOLD at the far end
    assert recorder.wait(ev.CallMediaChanged, lambda e: e.call.held).call.call_id == call_id
    phone.resume(call_id).result(5)
    peer_media(peer, status=1)
    phone.hangup(call_id).result(5)
    recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id)


def test_dtmf_reaches_the_far_end_and_comes_back(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers) -> None:
    peer = clean_peers.get("peer2")
    call_id, pcall = dial_answered(phone, recorder, peer, "peer2")
    phone.send_dtmf(call_id, "12#").result(5)
    peer.wait_event(lambda e: e.get("event") == "dtmf" and e["digit"] == "#", what="DTMF #")
    sent = [e for e in peer.events if e.get("event") == "dtmf"]
    assert [e["digit"] for e in sent] == ["1", "2", "#"]
    assert {e["method"] for e in sent} == {0}  # PJSUA_DTMF_METHOD_RFC2833
    peer.cmd("dtmf", call=pcall, digits="9*")
    recorder.wait(ev.DtmfReceived, lambda e: e.digit == "*")
    assert [e.digit for e in recorder.of(ev.DtmfReceived)] == ["9", "*"]
    try:
        phone.send_dtmf(call_id, "12x").result(5)
        raise AssertionError("bad digits accepted")
    except Exception as exc:  # noqa: BLE001 - asserting the type below
        assert "DTMF" in str(exc)
    phone.hangup(call_id).result(5)


def test_blind_transfer_hands_the_caller_to_a_third_peer(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, kamailio: Kamailio) -> None:
    caller, target = clean_peers.get("caller"), clean_peers.get("peer3")
    target.cmd("autoanswer", code=200)
    call_id, _ = incoming_answered(phone, recorder, caller, kamailio)
    phone.blind_transfer(call_id, "peer3").result(5)
    done = recorder.wait(ev.CallTransferred, lambda e: e.call_id == call_id, timeout=20)
    assert done.success and done.kind == "blind"
    assert recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id).cause == "transferred"
    target.wait_event(lambda e: e.get("event") == "call_state" and e["state"] == "confirmed",
                      what="transferred call at the target")
    caller.wait_event(lambda e: e.get("event") == "transfer_request")


def test_attended_transfer_joins_caller_and_consulted_peer(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, kamailio: Kamailio) -> None:
    caller, target = clean_peers.get("caller"), clean_peers.get("peer3")
    call_id, _ = incoming_answered(phone, recorder, caller, kamailio)
    phone.hold(call_id).result(5)
    recorder.wait(ev.CallMediaChanged, lambda e: e.call.call_id == call_id and e.call.held)
    consult_id, _ = dial_answered(phone, recorder, target, "peer3")
    assert len(phone.calls()) == 2
    phone.attended_transfer(call_id, consult_id).result(5)
    done = recorder.wait(ev.CallTransferred, lambda e: e.call_id == call_id, timeout=20)
    assert done.success and done.kind == "attended"
    target.wait_event(lambda e: e.get("event") == "replaced", what="Replaces at the target")
    recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id)
    recorder.wait(ev.CallEnded, lambda e: e.call.call_id == consult_id)
    deadline = time.monotonic() + 10
    while phone.calls():
        assert time.monotonic() < deadline, phone.calls()
        time.sleep(0.1)


def test_early_media_flows_before_answer_and_cancel_ends_the_attempt(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, tmp_path: Path) -> None:
    peer = clean_peers.get("peer3")
    peer.cmd("autoanswer", code=183)  # session progress with SDP: early media
    call_id = phone.dial("peer3").result(5)
    early = recorder.wait(ev.CallMediaChanged,
                          lambda e: e.call.call_id == call_id and e.call.media_active).call
    assert early.state == "early" and early.srtp_suite.startswith("AES")
    pcall = peer_media(peer)
    peer.cmd("play", call=pcall, freq=PEER_TONE_HZ)  # e.g. an IVR greeting before answer
    mine = tmp_path / "early.wav"
    phone.start_recording(call_id, WavTap(mine), mix=False).result(5)
    time.sleep(1.5)
    phone.stop_recording(call_id).result(5)
    assert abs(dominant_frequency(mine)[0] - PEER_TONE_HZ) < 5
    phone.cancel(call_id).result(5)
    assert recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id).cause == "local_hangup"
    gone = peer.wait_event(lambda e: e.get("event") == "call_state" and e["state"] == "disconnected")
    assert gone["code"] == 487, gone  # Request Terminated: a CANCEL, not a BYE
    assert not recorder.of(ev.CallAnswered)


def test_dtmf_falls_back_to_sip_info_when_the_far_end_has_no_telephone_event(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers) -> None:
    peer = clean_peers.get("peer2")
    peer.cmd("options", strip_telephone_event=True)
    call_id, pcall = dial_answered(phone, recorder, peer, "peer2")
    phone.send_dtmf(call_id, "58").result(5)
    last = peer.wait_event(lambda e: e.get("event") == "dtmf" and e["digit"] == "8", what="DTMF 8")
    digits = [e for e in peer.events if e.get("event") == "dtmf"]
    assert [e["digit"] for e in digits] == ["5", "8"]
    assert {e["method"] for e in digits} == {1} == {last["method"]}  # PJSUA_DTMF_METHOD_SIP_INFO
    phone.hangup(call_id).result(5)


def test_a_typed_sips_uri_is_dialled_as_sips_and_connects_with_srtp(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, kamailio: Kamailio) -> None:
    peer = clean_peers.get("peer2")  # registered with a sips: Contact
    peer.cmd("autoanswer", code=200)
    call_id = phone.dial(f"sips:peer2@127.0.0.1:{kamailio.tls_port}").result(5)
    assert phone.calls()[call_id].remote.startswith("sips:")
    recorder.wait(ev.CallAnswered, lambda e: e.call_id == call_id)
    assert connected(recorder, call_id).srtp_suite.startswith("AES")
    phone.hangup(call_id).result(5)
    assert recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id).cause == "local_hangup"


def test_a_transfer_with_no_final_answer_times_out_and_leaves_the_call_to_the_agent(
        phone_config: object, bus: object, recorder: EventRecorder, clean_peers: Peers,
        kamailio: Kamailio, tones: dict[str, Path]) -> None:
    from agent_desktop.phone.errors import CallOperationFailed
    from tests.integration.phone.conftest import AGENT, with_config

    cfg = with_config(phone_config, transfer_timeout_seconds=3)  # type: ignore[arg-type]
    with Phone(cfg, bus, capture_file=tones["engine"]) as phone:  # type: ignore[arg-type]
        assert phone.register(AGENT).result(15).state == "registered"
        caller = clean_peers.get("caller")
        clean_peers.get("peer3")  # rings for ever: the final NOTIFY never comes
        call_id, _ = incoming_answered(phone, recorder, caller, kamailio)
        phone.blind_transfer(call_id, "peer3").result(5)
        caller.wait_event(lambda e: e.get("event") == "transfer_request")
        try:
            phone.blind_transfer(call_id, "peer3").result(5)
            raise AssertionError("a second transfer while one is pending was accepted")
        except CallOperationFailed as err:
            assert "in progress" in err.message
        done = recorder.wait(ev.CallTransferred, lambda e: e.call_id == call_id, timeout=20)
        assert (done.success, done.reason, done.kind) == (False, "timeout", "blind")
        assert phone.calls()[call_id].state == "confirmed", "the call stays for the agent"
        phone.hangup(call_id).result(5)
        assert recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id).cause == "local_hangup"
        recorder.clear()
        caller.cmd("call", uri=kamailio.uri("agent"))  # the next call rings (no 486)
        nxt = recorder.wait(ev.IncomingCall).call
        phone.reject(nxt.call_id, 603).result(5)
        assert not [e for e in recorder.of(ev.CallRefused) if e.code == 486]
