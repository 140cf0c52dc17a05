"""pjsua2's log and ours pass through the PHI redactor: no SIP user part or number is written."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_desktop.demo.kamailio import DEFAULT_USERS, Kamailio
from agent_desktop.logs import configure_logging
from agent_desktop.phone import events as ev
from agent_desktop.phone.engine import Phone
from tests.integration.phone.conftest import Peers
from tests.integration.phone.test_calls import dial_answered, incoming_answered
from tests.support.phone_helpers import EventRecorder

DIALLED = "+1 (555) 010-0199"


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "logs"
    configure_logging(folder, level=logging.DEBUG)
    try:
        yield folder
    finally:
        configure_logging(None, level=logging.WARNING)


def test_a_day_of_calls_writes_no_user_part_number_or_password_to_the_log(
        log_dir: Path, phone: Phone, recorder: EventRecorder, clean_peers: Peers,
        kamailio: Kamailio) -> None:
    call_id, _ = dial_answered(phone, recorder, clean_peers.get("peer2"), "peer2")
    phone.send_dtmf(call_id, "4711").result(5)
    phone.hangup(call_id).result(5)
    recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id)
    caller = clean_peers.get("caller")
    call_id, pcall = incoming_answered(phone, recorder, caller, kamailio)
    caller.cmd("hangup", call=pcall)
    recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id)
    failed = phone.dial(DIALLED).result(5)  # not a registered user: Kamailio answers 404
    recorder.wait(ev.CallEnded, lambda e: e.call.call_id == failed)
    phone.stop()  # flushes the shutdown lines too

    text = "\n".join(p.read_text(errors="replace") for p in sorted(log_dir.iterdir()))
    assert "agent_desktop.pjsua2" in text, "pjsua2's own log must reach the file"
    assert "[DISCONNECTED]" in text, "pjsua's call summary must reach the file"
    forbidden = ["peer2", "caller", ":agent@", "sips:agent", "5550100199", "555) 010", "010-0199",
                 "4711", *DEFAULT_USERS.values()]
    leaks = [word for word in forbidden if word in text]
    assert not leaks, f"log leaked {leaks}"
