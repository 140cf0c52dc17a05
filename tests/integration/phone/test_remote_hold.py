"""The far end holds and resumes (re-INVITEs with a=sendonly, then a=sendrecv) through the
real Kamailio: the call keeps SRTP audio both ways after every resume, and the agent's own
hold/resume still works afterwards."""

from __future__ import annotations

from pathlib import Path

from agent_desktop.demo.sip_peer import PeerProcess
from agent_desktop.phone import events as ev
from agent_desktop.phone.engine import Phone
from tests.integration.phone.conftest import ENGINE_TONE_HZ, PEER_TONE_HZ, Peers
from tests.integration.phone.test_calls import dial_answered, peer_media, record_both
from tests.support.phone_helpers import EventRecorder, dominant_frequency

LOCAL_HOLD, REMOTE_HOLD, ACTIVE = 2, 3, 1  # PJSUA_CALL_MEDIA_* as the peer reports them


def media_changed(recorder: EventRecorder, call_id: str, pred: object) -> ev.CallInfo:
    return recorder.wait(ev.CallMediaChanged,
                         lambda e: e.call.call_id == call_id and pred(e.call)).call  # type: ignore[operator]


def assert_tones_both_ways(phone: Phone, peer: PeerProcess, call_id: str, pcall: int,
                           folder: Path, when: str) -> None:
    peer.cmd("play", call=pcall, freq=PEER_TONE_HZ)  # a re-INVITE re-creates the peer's port
    before = peer.cmd("stats", call=pcall)
    mine, theirs = record_both(phone, peer, call_id, pcall, folder)
    streams = (before, peer.cmd("stats", call=pcall), phone.calls()[call_id])
    heard, level = dominant_frequency(mine)
    assert abs(heard - PEER_TONE_HZ) < 5 and level > 1000, (when, "agent hears", heard, level, streams)
    heard, level = dominant_frequency(theirs)
    assert abs(heard - ENGINE_TONE_HZ) < 5 and level > 1000, (when, "caller hears", heard, level, streams)


def test_the_far_end_holds_and_resumes_twice_and_audio_flows_both_ways_after_each_resume(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, tmp_path: Path) -> None:
    peer = clean_peers.get("peer2")
    call_id, pcall = dial_answered(phone, recorder, peer, "peer2")
    for n in (1, 2):
        peer.clear_events()
        recorder.clear()
        peer.cmd("hold", call=pcall)
        peer_media(peer, LOCAL_HOLD)
        assert media_changed(recorder, call_id, lambda c: c.remote_held).media_active
        peer.clear_events()
        recorder.clear()
        peer.cmd("unhold", call=pcall)  # used to be answered 488: the call stayed silent
        peer_media(peer, ACTIVE)
        info = media_changed(recorder, call_id, lambda c: not c.remote_held and c.media_active)
        assert info.state == "confirmed" and info.srtp_suite.startswith("AES"), info
        assert not recorder.of(ev.CallRefused) and not recorder.of(ev.CallEnded)
        assert_tones_both_ways(phone, peer, call_id, pcall, tmp_path, f"after resume {n}")

    # the agent's own hold and resume still work on the same call
    peer.clear_events()
    recorder.clear()
    phone.hold(call_id).result(5)
    peer_media(peer, REMOTE_HOLD)
    media_changed(recorder, call_id, lambda c: c.held)
    peer.clear_events()
    recorder.clear()
    phone.resume(call_id).result(5)
    peer_media(peer, ACTIVE)
    media_changed(recorder, call_id, lambda c: not c.held and c.media_active)
    assert_tones_both_ways(phone, peer, call_id, pcall, tmp_path, "after the local resume")
    phone.hangup(call_id).result(5)
    assert recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id).cause == "local_hangup"
