"""SIP-thread logic that needs no Endpoint: watchdog, callback guard, log writer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest

from agent_desktop.bus import EventBus
from agent_desktop.phone import events as ev
from agent_desktop.phone.calls import CallRecord
from agent_desktop.phone.config import PhoneConfig
from agent_desktop.phone.pjlog import RedactingLogWriter
from agent_desktop.phone.sip_thread import SipThread
from tests.support.phone_helpers import EventRecorder


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeCall:
    """Stands in for a pjsua2 Call whose DISCONNECTED never comes."""

    def __init__(self, active: bool) -> None:
        self.active = active
        self.hangups: list[int] = []

    def isActive(self) -> bool:
        return self.active

    def hangup(self, op: Any) -> None:
        self.hangups.append(int(op.statusCode))


def _thread(clock: Clock) -> tuple[SipThread, EventRecorder]:
    bus = EventBus()
    cfg = PhoneConfig("sips:pbx:5061", ca_bundle=__file__, call_setup_timeout_seconds=30,
                      call_teardown_timeout_seconds=5)
    return SipThread(cfg, bus, clock=clock), EventRecorder(bus)


def _record(sip: SipThread, state: str, call: FakeCall, clock: Clock) -> CallRecord:
    rec = CallRecord("c1", "outgoing", "sips:x@y", clock.now, pj_call=call, state=state,
                     state_since=clock.now)
    sip._calls[rec.call_id] = rec
    return rec


def test_a_hung_up_call_whose_end_never_arrives_is_removed_after_the_teardown_timeout() -> None:
    clock = Clock()
    sip, events = _thread(clock)
    rec = _record(sip, "confirmed", FakeCall(active=True), clock)
    rec.hangup_at = clock.now
    clock.now += 4
    sip._watchdog(clock.now)
    assert not events.of(ev.CallCleanedUp)
    clock.now += 2
    sip._watchdog(clock.now)
    assert events.of(ev.CallCleanedUp)[0].call_id == "c1"
    assert events.of(ev.CallEnded)[0].cause == "watchdog"
    sip._reap_calls()
    assert sip._calls == {} and sip.snapshots() == {}


def test_a_call_pjsua_dropped_without_telling_us_is_removed_at_once() -> None:
    clock = Clock()
    sip, events = _thread(clock)
    _record(sip, "confirmed", FakeCall(active=False), clock)
    sip._watchdog(clock.now)
    assert events.of(ev.CallEnded)[0].cause == "watchdog"


def test_a_call_stuck_ringing_out_is_hung_up_after_the_setup_timeout() -> None:
    clock = Clock()
    sip, events = _thread(clock)
    call = FakeCall(active=True)
    _record(sip, "early", call, clock)
    clock.now += 29
    sip._watchdog(clock.now)
    assert call.hangups == []
    clock.now += 2
    sip._watchdog(clock.now)
    assert call.hangups == [0]
    assert events.of(ev.CallCleanedUp)[0].stuck_state == "early"


def test_an_exception_in_a_callback_is_logged_and_published_never_raised(
        caplog: pytest.LogCaptureFixture) -> None:
    sip, events = _thread(Clock())

    def broken() -> None:
        raise ValueError("sips:alice@pbx broke")

    sip.guard("call_state", broken)
    failed = events.of(ev.CallbackFailed)[0]
    assert (failed.where, failed.error_type) == ("call_state", "ValueError")
    assert "call_state" in caplog.text


@dataclass
class Entry:
    msg: str
    level: int


def test_pjsua2_log_lines_are_redacted_before_any_handler_sees_them(
        caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []
    writer = RedactingLogWriter(seen.append)
    caplog.set_level(logging.DEBUG, logger="agent_desktop.pjsua2")
    writer.write(Entry('INVITE from "Maria Lopez" <sips:5550100199@pbx>, tel:+1-555-010-0199\n', 3))
    raw = " ".join(r.getMessage() for r in caplog.records) + " ".join(seen)
    assert "Maria" not in raw and "5550100199" not in raw and "555-010" not in raw
    assert "[user]" in raw


def test_a_broken_log_hook_never_reaches_pjlib(caplog: pytest.LogCaptureFixture) -> None:
    def hook(line: str) -> None:
        raise RuntimeError("boom")

    RedactingLogWriter(hook).write(Entry("x", 3))  # must not raise
    assert "could not be handled" in caplog.text


def test_reregistration_backs_off_exponentially_to_its_cap_and_resets() -> None:
    from agent_desktop.phone.backoff import Backoff

    b = Backoff(maximum=30, rand=lambda: 0.5)  # 0.5: no jitter
    assert [b.next_delay() for _ in range(6)] == [2, 4, 8, 16, 30, 30]
    b.reset()
    assert b.next_delay() == 2
    low, high = Backoff(30, rand=lambda: 0.0), Backoff(30, rand=lambda: 1.0)
    assert low.next_delay() == pytest.approx(1.6) and high.next_delay() == pytest.approx(2.4)


def test_pjsua2_log_config_never_includes_sip_messages() -> None:
    import pjsua2 as pj

    from agent_desktop.phone import pjlog

    cfg = pj.LogConfig()
    writer = RedactingLogWriter()
    pjlog.configure(cfg, writer, level=5)  # asking for message-level logging is capped
    assert cfg.msgLogging == 0
    assert cfg.level == cfg.consoleLevel == pjlog.MAX_LEVEL == 3


def test_stopping_from_a_listener_on_the_sip_thread_is_refused_not_deadlocked() -> None:
    import threading

    from agent_desktop.phone.errors import PhoneError

    sip, _ = _thread(Clock())
    sip.thread = threading.current_thread()  # as if this listener ran on the SIP thread
    with pytest.raises(PhoneError, match="own event listeners"):
        sip.stop(1)


def test_commands_after_the_engine_stopped_fail_instead_of_hanging() -> None:
    from agent_desktop.phone.errors import PhoneNotRunning

    sip, _ = _thread(Clock())  # never started
    with pytest.raises(PhoneNotRunning):
        sip.submit(lambda: 1).result(1)


class FakeEndpoint:
    def __init__(self) -> None:
        self.timeouts: list[int] = []

    def libHandleEvents(self, timeout_ms: int) -> int:
        self.timeouts.append(timeout_ms)
        return 0


class RecordingWake:
    def __init__(self, ring_on_wait: int = 0) -> None:
        self.waits: list[float] = []
        self.ring_on_wait = ring_on_wait  # the n-th idle wait (1-based) is ended by a ring

    def take(self, blocking: bool, timeout: float) -> bool:
        self.waits.append(timeout)
        return len(self.waits) == self.ring_on_wait

    def clear(self) -> None:
        pass

    def set(self) -> None:
        pass

    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        return False


def _pumping(active: bool, ring_on_wait: int = 0) -> tuple[SipThread, FakeEndpoint, RecordingWake]:
    import time

    sip, _ = _thread(Clock())
    ep, wake = FakeEndpoint(), RecordingWake(ring_on_wait)
    sip._ep, sip._wake = ep, wake  # type: ignore[assignment]
    sip._last_activity = time.monotonic() - (0.0 if active else 60.0)
    return sip, ep, wake


def test_right_after_a_command_the_loop_polls_without_blocking_and_waits_for_the_next() -> None:
    from agent_desktop.phone.sip_thread import ACTIVE_WAIT_SECONDS

    sip, ep, wake = _pumping(active=True)
    sip._pump()
    assert ep.timeouts == [0]  # never blocked where a command could not wake it
    assert wake.waits == [ACTIVE_WAIT_SECONDS]


def test_a_command_already_queued_is_run_without_waiting_on_the_doorbell() -> None:
    from concurrent.futures import Future

    sip, ep, wake = _pumping(active=True)
    sip._queue.append((lambda: None, Future()))
    sip._pump()
    assert ep.timeouts == [0]
    assert wake.waits == []


def test_idle_the_loop_waits_on_the_doorbell_not_in_pjsua2_so_a_first_command_starts_at_once(
) -> None:
    from agent_desktop.phone.sip_thread import IDLE_BATCH_SECONDS

    sip, ep, wake = _pumping(active=False)
    sip._pump()
    rounds = int(IDLE_BATCH_SECONDS / (sip.idle_poll_ms / 1000.0))
    assert rounds > 1  # idle rounds run back to back, without the main loop's Python
    assert wake.waits == [sip.idle_poll_ms / 1000.0] * rounds  # a doorbell ends any of them
    assert ep.timeouts == [0] * rounds  # never blocked where a command could not wake it


def test_idle_a_ring_ends_the_idle_rounds_at_once_and_leaves_the_command_to_the_main_loop(
) -> None:
    sip, ep, wake = _pumping(active=False, ring_on_wait=3)
    sip._pump()
    assert len(wake.waits) == 3  # the third wait was rung: no further wait
    assert ep.timeouts == [0, 0]  # and no poll after the ring: the command runs first


def test_idle_a_poll_that_brings_a_call_hands_back_to_the_main_loop() -> None:
    sip, ep, wake = _pumping(active=False)

    class RingingEndpoint(FakeEndpoint):
        def libHandleEvents(self, timeout_ms: int) -> int:
            super().libHandleEvents(timeout_ms)
            _record(sip, "incoming", FakeCall(active=True), Clock())  # an INVITE arrived
            return 1

    sip._ep = ep = RingingEndpoint()  # type: ignore[assignment]
    sip._pump()
    assert ep.timeouts == [0] and len(wake.waits) == 1  # the call is handled with calls up


def test_the_doorbell_behaves_as_an_event_across_threads() -> None:
    import threading

    from agent_desktop.phone.sip_thread import Doorbell

    bell = Doorbell()
    assert not bell.is_set() and not bell.wait(0.001)
    threading.Thread(target=bell.set).start()
    assert bell.wait(5) and bell.is_set() and bell.wait(0)  # stays rung until cleared
    bell.set()  # ringing twice is harmless
    bell.clear()
    assert not bell.is_set() and not bell.wait(0.001)


def test_with_calls_up_the_loop_blocks_in_pjsua2_so_rtp_is_handled_as_it_arrives() -> None:
    sip, ep, wake = _pumping(active=False)
    _record(sip, "confirmed", FakeCall(active=True), Clock())
    sip._pump()
    assert ep.timeouts == [sip.poll_ms]
    assert wake.waits == []


def test_submitting_a_command_rings_the_doorbell_the_active_loop_waits_on() -> None:
    import threading

    sip, _ = _thread(Clock())
    release = threading.Event()
    sip.thread = threading.Thread(target=release.wait, daemon=True)  # stands in, alive
    sip.thread.start()
    try:
        sip._wake.clear()
        sip.submit(lambda: 1)
        assert sip._wake.is_set()
    finally:
        release.set()


def test_a_transfer_whose_final_notify_never_comes_times_out_and_leaves_the_call_to_the_agent(
) -> None:
    clock = Clock()
    sip, recorder = _thread(clock)
    call = FakeCall(active=True)
    rec = _record(sip, "confirmed", call, clock)
    rec.transfer_kind, rec.transfer_at = "blind", clock.now
    sip._watchdog(clock.now + sip.config.transfer_timeout_seconds - 1)
    assert not recorder.of(ev.CallTransferred)
    sip._watchdog(clock.now + sip.config.transfer_timeout_seconds + 1)
    done = recorder.wait(ev.CallTransferred)
    assert (done.call_id, done.kind, done.success, done.reason) == ("c1", "blind", False, "timeout")
    assert recorder.wait(ev.TransferProgress).final
    assert call.hangups == [] and not rec.ended, "the call stays up for the agent"
    assert rec.transfer_at is None  # a new transfer may be tried
    sip._watchdog(clock.now + 10 * sip.config.transfer_timeout_seconds)
    assert len(recorder.of(ev.CallTransferred)) == 1
