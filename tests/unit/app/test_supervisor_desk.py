"""The team lead's monitoring session publishes its states in the order they happened,
whichever thread reports the agent's answer and whenever it does."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import pytest

from agent_desktop.app.monitoring import SupervisionChanged, SupervisorDesk
from agent_desktop.bus import EventBus
from agent_desktop.errors import AgentDesktopError
from agent_desktop.phone import events as pev

CALL = "call-7"


class FakePhone:
    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.hung_up: list[str] = []

    def hangup(self, call_id: str) -> Future[None]:
        self.hung_up.append(call_id)
        done: Future[None] = Future()
        done.set_result(None)
        return done

    def dial(self, aor: str, headers: dict[str, str]) -> Future[str]:
        self.headers = headers
        done: Future[str] = Future()
        done.set_result(CALL)
        return done


def answered() -> pev.CallAnswered:
    return pev.CallAnswered(CALL, "outgoing", "AES_CM_128_HMAC_SHA1_80")


def ended() -> pev.CallEnded:
    return pev.CallEnded(pev.CallInfo(CALL, "outgoing", "disconnected", "sip:peer2@example.test"),
                         "remote_hangup")


def run(when: str, *events: pev.PhoneEvent) -> list[tuple[str, str]]:
    """Start a session; the phone thread publishes ``events`` ``when`` ("dial": before dial()
    returns, "audit": while the start is being recorded, "after": once start() returned)."""
    bus = EventBus()
    seen: list[SupervisionChanged] = []
    bus.subscribe(SupervisionChanged, seen.append)

    def report() -> None:
        for event in events:
            bus.publish(event)

    def phone_thread() -> None:
        thread = threading.Thread(target=report)
        thread.start()
        thread.join()

    phone = FakePhone()
    if when == "dial":
        real_dial = phone.dial

        def dial(aor: str, headers: dict[str, str]) -> Future[str]:
            phone_thread()
            return real_dial(aor, headers)
        phone.dial = dial  # type: ignore[method-assign]

    def audit(action: str, call_id: str | None, detail: dict[str, Any], outcome: str) -> None:
        if when == "audit" and action == "call.monitor.start":
            phone_thread()

    desk = SupervisorDesk(bus, lambda: phone, lambda agent, mode: {"token": "t", "grant": {"nonce": "n" * 32}},
                          audit)
    assert desk.start("agent-a", "sip:peer2@example.test", "listen") == CALL
    if when == "after":
        phone_thread()
    desk.close()
    return [(e.state, e.mode) for e in seen]


@pytest.mark.parametrize("when", ["dial", "audit", "after"])
def test_an_answer_at_any_moment_leaves_the_session_up_after_calling(when: str) -> None:
    assert run(when, answered()) == [("calling", "listen"), ("up", "listen")]


@pytest.mark.parametrize("when", ["dial", "audit", "after"])
def test_a_call_that_ends_at_once_ends_the_session_and_says_nothing_after(when: str) -> None:
    states = run(when, answered(), ended())
    assert states[-1] == ("ended", "")
    assert [s for s, _ in states].count("ended") == 1


def test_the_phone_thread_never_waits_for_the_end_record_which_follows_the_start() -> None:
    bus = EventBus()
    seen: list[SupervisionChanged] = []
    bus.subscribe(SupervisionChanged, seen.append)
    records: list[str] = []
    release = threading.Event()

    def audit(action: str, call_id: str | None, detail: dict[str, Any], outcome: str) -> None:
        if action == "call.monitor.end":
            release.wait(10)  # a slow disk
        records.append(action)

    phone = FakePhone()
    desk = SupervisorDesk(bus, lambda: phone, lambda agent, mode: {"token": "t", "grant": {"nonce": "n" * 32}},
                          audit)
    desk.start("agent-a", "sip:peer2@example.test", "listen")
    reported = threading.Event()

    def phone_thread() -> None:
        bus.publish(answered())
        bus.publish(ended())
        reported.set()

    threading.Thread(target=phone_thread, name="sip").start()
    assert reported.wait(5), "the SIP thread waited for the disk"
    assert records == ["call.monitor.start"] and seen[-1].state == "up"
    release.set()
    desk.close()  # waits for the queued record
    assert records == ["call.monitor.start", "call.monitor.end"]
    assert [e.state for e in seen] == ["calling", "up", "ended"]


def test_a_start_that_cannot_be_recorded_hangs_the_call_up() -> None:
    class DiskFull(AgentDesktopError):
        pass

    def audit(action: str, call_id: str | None, detail: dict[str, Any], outcome: str) -> None:
        if action == "call.monitor.start":
            raise DiskFull("The audit record could not be written.")

    phone = FakePhone()
    desk = SupervisorDesk(EventBus(), lambda: phone,
                          lambda agent, mode: {"token": "t", "grant": {"nonce": "n" * 32}}, audit)
    with pytest.raises(DiskFull):
        desk.start("agent-a", "sip:peer2@example.test", "listen")
    assert phone.hung_up == [CALL]
    desk.close()
