"""Calls through the real Kamailio over TLS between the engine and pjsua2 peer processes."""

from __future__ import annotations

from pathlib import Path

from agent_desktop.phone import events as ev
from agent_desktop.phone.engine import Phone
from tests.integration.phone.conftest import ENGINE_TONE_HZ, PEER_TONE_HZ, Peers
from tests.support.kamailio import Kamailio
from tests.support.phone_helpers import EventRecorder, dominant_frequency


def _connected(recorder: EventRecorder, call_id: str) -> ev.CallInfo:
    return recorder.wait(ev.CallMediaChanged,
                         lambda e: e.call.call_id == call_id and e.call.media_active).call


def test_outgoing_call_carries_tones_both_ways_over_srtp(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, kamailio: Kamailio,
        tmp_path: Path) -> None:
    peer = clean_peers.get("peer2")
    peer.cmd("autoanswer", code=200)
    call_id = phone.dial("peer2").result(5)
    recorder.wait(ev.CallAnswered, lambda e: e.call_id == call_id)
    info = _connected(recorder, call_id)
    assert info.srtp_suite.startswith("AES"), info
    pcall = peer.wait_event(lambda e: e.get("event") == "media" and e["status"] == 1)["call"]
    peer.cmd("play", call=pcall, freq=PEER_TONE_HZ)
    peer.cmd("record", call=pcall, path=str(tmp_path / "peer-heard.wav"))
    phone.start_recording(call_id, tmp_path / "engine-heard.wav").result(5)
    import time
    time.sleep(2.0)
    phone.stop_recording(call_id).result(5)
    peer.cmd("stop_record", call=pcall, path=str(tmp_path / "peer-heard.wav"))
    engine_freq, _ = dominant_frequency(tmp_path / "engine-heard.wav")
    peer_freq, _ = dominant_frequency(tmp_path / "peer-heard.wav")
    assert abs(engine_freq - PEER_TONE_HZ) < 5, engine_freq
    assert abs(peer_freq - ENGINE_TONE_HZ) < 5, peer_freq
    phone.hangup(call_id).result(5)
    ended = recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id)
    assert ended.cause == "local_hangup"
