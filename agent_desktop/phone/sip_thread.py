"""The SIP thread: owns the pjsua2 Endpoint and every pjsua2 object.

Nothing in here may be called from another thread except :meth:`SipThread.submit`, which
queues a function and returns a Future. The loop drains the queue, pumps
``libHandleEvents`` (``threadCnt=0``, so every pjsua2 callback runs on this thread), then
does deferred work that must not happen inside a callback (deleting Call objects) and the
periodic jobs (watchdog, quality, devices, after-call work).
"""

from __future__ import annotations

import collections
import gc
import logging
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import pjsua2 as pj

from agent_desktop.bus import EventBus
from agent_desktop.phone import events as ev
from agent_desktop.phone import pjlog
from agent_desktop.phone.agent_state import AgentAvailability, AgentState
from agent_desktop.phone.backoff import Backoff
from agent_desktop.phone.calls import PJ_STATE_NAMES, CallRecord, crypto_suite_in, ended_info
from agent_desktop.phone.config import PhoneConfig
from agent_desktop.phone.credentials import SipCredentials
from agent_desktop.phone.devices import (
    DeviceLayer,
    Resolution,
)
from agent_desktop.phone.dialplan import is_sips, normalise_target
from agent_desktop.phone.endpoint_slot import endpoint_slot
from agent_desktop.phone.errors import (
    CallOperationFailed,
    NotRegistered,
    PhoneAlreadyRunning,
    PhoneError,
    PhoneNotRunning,
    UnknownCall,
)
from agent_desktop.phone.monitor_bridge import MonitorBridge
from agent_desktop.phone.offer import judge_offer, only_dtls_audio
from agent_desktop.phone.pj_config import (
    account_config,
    expect_applied,
    pj_error_text,
    transport_config,
)
from agent_desktop.phone.probe import quiet_stdout
from agent_desktop.phone.recording import (
    CallRecording,
    PcmSource,
    Playback,
    RecordingMixin,
    RecordingPort,
)
from agent_desktop.phone.refusals import caller_contact_is_sips, refusal_reason, sip_call_id
from agent_desktop.phone.sip_audio import AudioMixin
from agent_desktop.phone.sip_objects import SipCall, SipEndpoint
from agent_desktop.phone.sip_registration import RegistrationMixin

log = logging.getLogger(__name__)
T = TypeVar("T")

ACTIVE_SECONDS = 1.0  # fast polling lasts this long after the last command
# In the active window the loop alternates libHandleEvents(0) with a wait this long on
# ``_wake`` (set by submit): a command is picked up at once, network events within ~0.3 ms.
ACTIVE_WAIT_SECONDS = 0.0002
# Idle, the loop leaves its inner wait-and-poll rounds this often to run the periodic work
# (watchdog, registration retry, agent timers), which itself runs every 0.5 s.
IDLE_BATCH_SECONDS = 0.25
LOCAL_MEDIA_FAILURE = "Unable to create media session"  # pjsua's reason, not the far end's
SIPS_REQUIRED = "SIPS Required"  # pjsip ends a sips: dialog whose far end answered with sip:
SRTP_REASONS = ("no_srtp", "dtls_srtp")
# pjsua2 objects whose destructors call into the library (bridge ports, calls, accounts)
_REGISTERED_WITH_ENDPOINT = (pj.Call, pj.Account, pj.AudioMediaPlayer, pj.AudioMediaRecorder,
                             pj.ToneGenerator, pj.AudioMediaPort)
PREFERRED_CODECS = {"G722/16000/1": 135, "PCMU/8000/1": 134, "PCMA/8000/1": 133}
DeviceLayerFactory = Callable[[Any], DeviceLayer]


class Doorbell:
    """``threading.Event``'s set/clear/wait/is_set on one C-level lock: the idle loop waits
    on it ~33 times a second, and Event.wait builds a Python Condition waiter each time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()  # locked = not rung
        # take(True, timeout): wait up to timeout for a ring and consume it (wait + clear)
        # in one C call, with no Python frame: the idle loop's own wait
        self.take: Callable[[bool, float], bool] = self._lock.acquire

    def set(self) -> None:
        try:
            self._lock.release()
        except RuntimeError:
            pass  # already rung

    def clear(self) -> None:
        self._lock.acquire(blocking=False)

    def is_set(self) -> bool:
        return not self._lock.locked()

    def wait(self, timeout: float) -> bool:
        if self._lock.acquire(timeout=timeout):
            self._lock.release()  # stays rung until cleared, as an Event
            return True
        return False


class SipThread(AudioMixin, RecordingMixin, RegistrationMixin):
    def __init__(self, config: PhoneConfig, bus: EventBus, *,
                 device_layer: DeviceLayerFactory | None = None,
                 capture_file: Path | None = None, poll_ms: int = 5, idle_poll_ms: int = 30,
                 clock: Callable[[], float] = time.monotonic, monitor_gate: Any = None) -> None:
        self.config = config
        self.bus = bus
        self.clock = clock
        self.monitor = MonitorBridge(self, monitor_gate)
        self.poll_ms = poll_ms
        self.idle_poll_ms = idle_poll_ms
        self._last_activity = time.monotonic()
        self._wake = Doorbell()
        self._device_layer_factory = device_layer
        self._capture_file = capture_file
        self._queue: collections.deque[tuple[Callable[[], Any], Future[Any]]] = collections.deque()
        self._stop = threading.Event()
        self._started: Future[None] = Future()
        self._stopped: Future[ev.PhoneStopped] = Future()
        self._slot_timeout = 0.0
        self.thread = threading.Thread(target=self._run, name="sip", daemon=True)
        # SIP-thread state
        self._ep: Any = None
        self._writer: Any = None
        self._layer: DeviceLayer | None = None
        self._resolution: Resolution | None = None
        self._device_names: tuple[str, ...] = ()
        self._transport_id = -1
        self._acc: Any = None
        self._acc_sips: Any = None  # the sips: twin of _acc (never registers), for sips: dialogs
        self._acc_refuse: Any = None  # answers 488 before media set-up (offers we cannot serve)
        self._twin_cfg: Any = None
        self._twin_contact = ""
        # SIP Call-IDs of INVITEs this engine refused itself, so pjsua's own report of the
        # same refusal (onRejectedIncomingCall) is not published a second time
        self._refused_here: collections.deque[str] = collections.deque(maxlen=32)
        # refusals decided in on_incoming_call, published once libHandleEvents returns: when
        # pjsua's media set-up fails too, it answers with its own code, which is what the
        # caller got and so what the audit trail must say
        self._pending_refusals: dict[str, list[Any]] = {}
        self._reg_waiters: list[Future[ev.RegistrationChanged]] = []
        self._unreg_waiters: list[Future[ev.RegistrationChanged]] = []
        self._tls_problem = ""
        self._tls_up = False
        self._want_registered = False
        self._retry_at: float | None = None
        self._backoff = Backoff(config.register_retry_seconds)
        self._calls: dict[str, CallRecord] = {}
        self._all_calls: weakref.WeakSet[Any] = weakref.WeakSet()
        self._reap: list[str] = []
        self._mic_player: Any = None
        self._ring_player: Any = None
        self._test_tone: Any = None
        self._ring_sink: Any = None  # a separate ring device's bridge port, if chosen
        self._ring_target: Any = None
        self._players: dict[str, Any] = {}
        self._recordings: dict[str, CallRecording] = {}
        self._playbacks: dict[str, Playback] = {}
        self._idle_ports: list[RecordingPort] = []  # see recording.py: reused, never freed
        self._idle_sources: list[PcmSource] = []
        self._ports_made = 0
        self._next_periodic = 0.0
        self._next_quality = 0.0
        self._next_devices = 0.0
        self.agent = AgentAvailability(config.after_call_work_seconds, clock)
        # snapshots readable from any thread
        self._snap_lock = threading.Lock()
        self._snapshots: dict[str, ev.CallInfo] = {}
        self._registration = ev.RegistrationChanged("unregistered", 0, "not registered")

    # ----------------------------------------------------------------- any thread
    def start(self, timeout: float) -> None:
        self._slot_timeout = timeout
        self.thread.start()
        self._started.result(timeout)

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        fut: Future[T] = Future()
        if threading.current_thread() is self.thread:
            self._execute(fn, fut)  # from a listener on this thread: run now, never deadlock
            return fut
        if self._stop.is_set() or not self.thread.is_alive():
            fut.set_exception(PhoneNotRunning())
            return fut
        self._queue.append((fn, fut))
        self._wake.set()
        if self._stopped.done() and fut.set_running_or_notify_cancel():
            fut.set_exception(PhoneNotRunning())  # raced with shutdown's last drain
        return fut

    def stop(self, timeout: float) -> ev.PhoneStopped:
        if threading.current_thread() is self.thread:
            raise PhoneError("The phone cannot be stopped from one of its own event listeners.",
                             "Stop it from another thread (e.g. re-queue to the GUI thread).")
        self._stop.set()
        self._wake.set()
        if not self.thread.is_alive():
            return self._stopped.result(0) if self._stopped.done() else ev.PhoneStopped(True)
        return self._stopped.result(timeout)

    def snapshots(self) -> dict[str, ev.CallInfo]:
        with self._snap_lock:
            return dict(self._snapshots)

    @property
    def registration(self) -> ev.RegistrationChanged:
        with self._snap_lock:
            return self._registration

    # ----------------------------------------------------------------- the loop
    def _run(self) -> None:
        # an engine still shutting down is waited for, leaving a second of the starter's
        # timeout for the set-up itself (docs in endpoint_slot.py)
        try:
            with endpoint_slot(max(0.001, self._slot_timeout - 1.0)):
                self._run_holding_slot()
        except PhoneAlreadyRunning as exc:
            self._started.set_exception(exc)
            self._stopped.set_result(ev.PhoneStopped(False, (str(exc),)))

    def _run_holding_slot(self) -> None:
        try:
            self._setup()
        except BaseException as exc:  # noqa: BLE001 - handed to the starter, then re-raised there
            self._destroy_endpoint()
            self._started.set_exception(exc)
            self._stopped.set_result(ev.PhoneStopped(False, (str(exc),)))
            return
        self._started.set_result(None)
        try:
            while not self._stop.is_set():
                if self._queue:
                    self._last_activity = time.monotonic()
                    self._drain()
                self._pump()
                if self._pending_refusals:
                    self._flush_refusals()
                if self._reap:
                    self.guard("reap", self._reap_calls)
                self.guard("periodic", self._periodic)
        except BaseException as exc:
            log.exception("SIP loop failed")
            self._publish(ev.CallbackFailed("sip_loop", type(exc).__name__))
        problems = self._shutdown()
        stopped = ev.PhoneStopped(not problems, tuple(problems))
        self._stopped.set_result(stopped)
        self._publish(stopped)

    def _pump(self) -> None:
        """Nothing can wake libHandleEvents from another thread (only a socket of its own
        could, and a non-TLS listener is never added for that), so a command queued while it
        blocks waits for it to return. For ``ACTIVE_SECONDS`` after a command (an agent
        acting: dial, answer, hold) the loop polls the network without blocking and waits
        on ``_wake`` (which ``submit`` sets) for ``ACTIVE_WAIT_SECONDS``. With calls up it
        blocks in libHandleEvents for ``poll_ms`` (RTP is handled as it arrives). Idle, it
        waits on ``_wake`` for ``idle_poll_ms`` and then polls without blocking: the same
        wake-ups as a blocking poll (under 1 % of a core), but the first command after a
        quiet minute starts at once; network events wait up to ``idle_poll_ms``."""
        now = time.monotonic()
        if now - self._last_activity < ACTIVE_SECONDS:
            self._ep.libHandleEvents(0)
            self._wake.clear()
            if not self._queue and not self._stop.is_set():
                self._wake.wait(ACTIVE_WAIT_SECONDS)
            return
        if self._calls:
            self._ep.libHandleEvents(self.poll_ms)
            return
        self._idle()

    def _idle(self) -> None:
        """The idle rounds of ``_pump`` in a loop of their own, for up to
        ``IDLE_BATCH_SECONDS``: each round is one C-level wait on the doorbell and one
        non-blocking poll, with none of the main loop's Python in between (that overhead
        was about a sixth of the idle engine's CPU). Returns at once when rung (a command or
        stop: the ring is consumed here and the queue drained by the main loop) and after any
        poll that left work for the main loop (a call, a refusal to publish, calls to reap)."""
        take = self._wake.take
        poll = self._ep.libHandleEvents
        timeout = self.idle_poll_ms / 1000.0
        for _ in range(max(1, int(IDLE_BATCH_SECONDS / timeout))):
            if take(True, timeout) or self._queue:
                return  # rung (stop rings too)
            poll(0)
            if self._calls or self._pending_refusals or self._reap:
                return

    def _drain(self) -> None:
        while self._queue:
            fn, fut = self._queue.popleft()
            self._execute(fn, fut)

    def _execute(self, fn: Callable[[], Any], fut: Future[Any]) -> None:
        if not fut.set_running_or_notify_cancel():
            return
        try:
            fut.set_result(fn())
        except pj.Error as exc:
            err = CallOperationFailed(f"The phone could not do that ({pj_error_text(exc)}).",
                                      "Check the call state and try again.")
            err.__context__ = None  # the pjsua2 error's frames would keep Call objects alive
            fut.set_exception(err)
        except BaseException as exc:  # noqa: BLE001 - delivered to the caller through the future
            # drop our frames (they hold pjsua2 objects) so nothing outlives the Endpoint
            fut.set_exception(exc.with_traceback(None))

    def guard(self, where: str, fn: Callable[..., None], *args: Any) -> None:
        """Run a callback body; an exception becomes a log line and an event."""
        try:
            fn(*args)
        except Exception as exc:
            log.exception("pjsua2 callback %s failed", where)
            self._publish(ev.CallbackFailed(where, type(exc).__name__))

    def _publish(self, event: object) -> None:
        self.bus.publish(event)

    # ----------------------------------------------------------------- setup
    def _setup(self) -> None:
        cfg = self.config
        ep = SipEndpoint(self)
        self._ep = ep
        with quiet_stdout():  # pjlib prints a banner before any log config applies
            ep.libCreate()
        ecfg = pj.EpConfig()
        ecfg.uaConfig.threadCnt = 0
        ecfg.uaConfig.mainThreadOnly = False
        ecfg.uaConfig.maxCalls = 8
        ecfg.uaConfig.userAgent = "AgentDesktop"
        ecfg.medConfig.threadCnt = 0  # RTP is handled by our libHandleEvents too
        # pjmedia's adaptive VAD learns a steady sound as "noise" and stops sending it
        # (heard as drop-outs); a call center wants every word, and recordings complete
        ecfg.medConfig.noVad = True
        self._writer = pjlog.RedactingLogWriter()
        pjlog.configure(ecfg.logConfig, self._writer)
        expect_applied({"uaConfig.threadCnt": (ecfg.uaConfig.threadCnt, 0),
                        "medConfig.threadCnt": (ecfg.medConfig.threadCnt, 0),
                        "medConfig.noVad": (bool(ecfg.medConfig.noVad), True)})
        ep.libInit(ecfg)
        self._prefer_codecs()
        self._setup_devices()
        self._transport_id = ep.transportCreate(*self._transport_config())
        ep.libStart()
        if self._capture_file is not None:
            self._mic_player = pj.AudioMediaPlayer()
            self._mic_player.createPlayer(str(self._capture_file), 0)
        log.info("SIP engine started (pjsip %s, transport %s)", ep.libVersion().full, cfg.transport)

    def _prefer_codecs(self) -> None:
        """G.722, then G.711, ahead of pjsua's default speex: what PBXs, trunks and the
        third-party clients speak, and their loss concealment is benign. speex's locks onto
        a subharmonic of a steady tone (a 600 Hz tone came out at 200 Hz, growing louder)
        when late packets on a loaded machine make the far end conceal frames."""
        for codec, priority in PREFERRED_CODECS.items():
            self._ep.codecSetPriority(codec, priority)
        got = {str(c.codecId): int(c.priority) for c in self._ep.codecEnum2()}
        expect_applied({f"codec priority {c}": (got.get(c), p) for c, p in PREFERRED_CODECS.items()})

    def _transport_config(self) -> tuple[int, Any]:
        return transport_config(self.config)

    def _account_config(self, creds: SipCredentials, sips: bool = False) -> Any:
        return account_config(self.config, creds, self._transport_id, sips)

    @property
    def _tls(self) -> bool:
        return self.config.transport == "tls"

    # ----------------------------------------------------------------- periodic
    def _periodic(self) -> None:
        now = self.clock()
        if now < self._next_periodic:
            return
        self._next_periodic = now + 0.5
        self._watchdog(now)
        self._retry_registration(now)
        self.monitor.tick(now)
        if self.agent.tick():
            self._publish_agent()
        if now >= self._next_quality:
            self._next_quality = now + self.config.quality_interval_seconds
            self._report_quality()
        if now >= self._next_devices:
            self._next_devices = now + self.config.device_poll_seconds
            self._refresh_devices()
        if self._recordings or self._playbacks:
            self._tick_recordings()

    def _watchdog(self, now: float) -> None:
        cfg = self.config
        for rec in list(self._calls.values()):
            if rec.ended:
                continue
            if rec.transfer_at is not None and now - rec.transfer_at > cfg.transfer_timeout_seconds:
                self._transfer_timed_out(rec)
            if rec.hangup_at is not None:
                if now - rec.hangup_at > cfg.call_teardown_timeout_seconds:
                    self._force_cleanup(rec, now - rec.hangup_at)
                continue
            ghost = rec.pj_call is not None and rec.state != "null" and not rec.pj_call.isActive()
            if ghost:
                self._force_cleanup(rec, now - rec.state_since)
            elif rec.state != "confirmed" and now - rec.created > cfg.call_setup_timeout_seconds:
                log.warning("call %s stuck in %s; hanging up", rec.call_id, rec.state)
                rec.watchdog = True
                self._publish(ev.CallCleanedUp(rec.call_id, rec.state, round(now - rec.created, 1)))
                self._hangup(rec, 480 if rec.direction == "incoming" and not rec.answered else 0)

    def _transfer_timed_out(self, rec: CallRecord) -> None:
        """No final NOTIFY came (linphone's carries a Subscription-State pjsip drops): the
        call stays up, the agent is told and may hang up or try again."""
        log.warning("transfer of call %s got no final answer; giving up on it", rec.call_id)
        rec.transfer_at = None
        self._publish(ev.TransferProgress(rec.call_id, 408, True))
        self._publish(ev.CallTransferred(rec.call_id, rec.transfer_kind or "blind", False, "timeout"))
        for other in self._live_calls(but=rec.call_id):
            if other.transfer_kind == "attended" and other.transfer_at is None:
                other.transfer_kind = ""
        rec.transfer_kind = ""

    def _force_cleanup(self, rec: CallRecord, seconds: float) -> None:
        log.warning("call %s never reported its end; removed after %.0f s", rec.call_id, seconds)
        self._publish(ev.CallCleanedUp(rec.call_id, rec.state, round(seconds, 1)))
        self._finish(rec, "watchdog")

    def _report_quality(self) -> None:
        for rec in self._calls.values():
            if rec.ended or rec.state != "confirmed" or not rec.media_active:
                continue
            try:
                stat = rec.pj_call.getStreamStat(rec.audio_index)
            except pj.Error:
                continue
            rx = stat.rtcp.rxStat
            total = rx.pkt + rx.loss
            self._publish(ev.CallQuality(
                rec.call_id, rtt_ms=stat.rtcp.rttUsec.last / 1000.0,
                jitter_ms=rx.jitterUsec.last / 1000.0,
                loss_percent=(100.0 * rx.loss / total) if total else 0.0, rx_packets=int(rx.pkt)))

    # ----------------------------------------------------------------- calls
    def _new_record(self, direction: str, remote: str) -> CallRecord:
        now = self.clock()
        rec = CallRecord(uuid.uuid4().hex[:16], direction, remote, now, state_since=now)
        rec.tls = self._tls_up
        self._calls[rec.call_id] = rec
        return rec

    def _record(self, call_id: str) -> CallRecord:
        rec = self._calls.get(call_id)
        if rec is None or rec.ended:
            raise UnknownCall(call_id)
        return rec

    def _live_calls(self, but: str = "") -> list[CallRecord]:
        return [r for r in self._calls.values() if not r.ended and r.call_id != but]

    def _snapshot(self, rec: CallRecord) -> ev.CallInfo:
        info = rec.info()
        if rec.monitor is not None:
            return info  # a supervisor leg is not one of the agent's calls
        with self._snap_lock:
            if rec.ended:
                self._snapshots.pop(rec.call_id, None)
            else:
                self._snapshots[rec.call_id] = info
        return info

    def dial(self, target: str, headers: dict[str, str] | None = None) -> str:
        if self._acc is None:
            raise NotRegistered()
        cfg = self.config
        uri = normalise_target(target, cfg.sip_domain, cfg.dial_prefix, self._tls)
        rec = self._new_record("outgoing", uri)
        call = SipCall(self, self._account_for(uri), rec.call_id)
        self._all_calls.add(call)
        rec.pj_call = call
        rec.state = "calling"
        try:
            call.makeCall(uri, with_headers(pj.CallOpParam(True), headers))
        except pj.Error:
            rec.ended = True
            self._calls.pop(rec.call_id, None)
            self._reap_now(call)
            raise
        self._publish(ev.CallStateChanged(self._snapshot(rec)))
        return rec.call_id

    def _account_for(self, uri: str) -> Any:
        """Outgoing calls go out with a sips: Contact (the twin's, once registered): a far
        end registered with a sips: Contact gets our request as sips: from the registrar and
        refuses a sip: Contact with 480, while sip: peers take either. The dialog itself is
        sips: only when the agent dialled a sips: URI."""
        if self._acc_sips is not None and self._twin_contact:
            return self._acc_sips
        if is_sips(uri) and self._tls:
            raise CallOperationFailed("A sips: call needs the phone to be registered first.",
                                      "Wait until the phone shows it is registered.")
        return self._acc

    def on_select_account(self, prm: Any) -> None:
        """pjsua picks the account that answers an incoming INVITE (and so our Contact)
        before anything else; a caller whose Contact is sips: gets the sips: twin."""
        if self._acc is None:
            return
        twin = self._acc_sips is not None and bool(self._twin_contact)
        msg = str(prm.rdata.wholeMsg)
        invite = msg.startswith("INVITE")
        if invite and self._acc_refuse is not None and only_dtls_audio(msg):
            prm.accountIndex = self._acc_refuse.getId()
        elif twin and invite and caller_contact_is_sips(msg):
            prm.accountIndex = self._acc_sips.getId()
        else:
            prm.accountIndex = self._acc.getId()

    def on_rejected_incoming_call(self, prm: Any) -> None:
        """pjsua refused an INVITE on its own (no SRTP, bad SDP, SIPS required, no call
        slot...) before any account callback: this is the only trace, so publish it."""
        msg = str(prm.rdata.wholeMsg)
        sip_id = sip_call_id(msg)
        code = int(prm.statusCode)
        if sip_id and sip_id in self._pending_refusals:
            self._pending_refusals[sip_id][2] = code  # what the caller really got
            return
        if sip_id and sip_id in self._refused_here:
            return  # refused in on_incoming_call; pjsua reports the same refusal again
        reason = refusal_reason(code, msg, self.config.srtp_required)
        self._publish_refusal(uuid.uuid4().hex[:16], "incoming", code, reason)

    def _publish_refusal(self, call_id: str, direction: str, code: int, reason: str) -> None:
        log.warning("%s call %s refused (%d %s)", direction, call_id, code, reason)
        if reason in SRTP_REASONS:
            self._publish(ev.SrtpRefused(call_id, direction, code, reason,
                                         detail=ev.REFUSAL_REASONS[reason]))
        elif reason.startswith("busy_") or reason == "agent_rejected":
            self._publish(ev.CallRejected(call_id, direction, code, reason))
        else:
            self._publish(ev.CallRefused(call_id, direction, code, reason))

    def _refuse_incoming(self, rec: CallRecord, code: int, reason: str, msg: str) -> None:
        if reason in SRTP_REASONS:
            rec.srtp_refused = True
        else:
            rec.rejected_why = reason
        self._hangup(rec, code)
        sip_id = sip_call_id(msg)
        if sip_id:
            self._refused_here.append(sip_id)
            self._pending_refusals[sip_id] = [rec.call_id, "incoming", code, reason]
        else:
            self._publish_refusal(rec.call_id, "incoming", code, reason)

    def _flush_refusals(self) -> None:
        pending, self._pending_refusals = self._pending_refusals, {}
        for call_id, direction, code, reason in pending.values():
            self._publish_refusal(call_id, direction, code, reason)

    def on_incoming_call(self, acc: Any, prm: Any) -> None:
        call = SipCall(self, acc, "", prm.callId)
        self._all_calls.add(call)
        info = call.getInfo()
        rec = self._new_record("incoming", str(info.remoteUri))
        call.call_id = rec.call_id
        rec.pj_call = call
        rec.state = "ringing"
        msg = str(prm.rdata.wholeMsg)
        # refuse what cannot be served before anything else: a 180 on a call whose DTLS
        # media failed to initialise crashes pjsua (pjsua itself matches profiles loosely)
        verdict = judge_offer(msg, self.config.srtp_required)
        if verdict is None and self._acc_refuse is not None and acc is self._acc_refuse:
            verdict = (488, "not_acceptable")  # the refusing account never takes a call
        if verdict is not None:
            self._refuse_incoming(rec, *verdict, msg)
            return
        if self.monitor.offer(rec, msg):
            return
        busy = "busy_on_call" if self._live_calls(but=rec.call_id) else self.agent.busy_reason()
        if busy:
            self._refuse_incoming(rec, 486, busy, msg)
            return
        op = pj.CallOpParam()
        op.statusCode = 180
        call.answer(op)
        self._start_ringtone(rec)
        self._publish(ev.IncomingCall(self._snapshot(rec)))

    def answer(self, call_id: str) -> None:
        rec = self._record(call_id)
        if rec.direction != "incoming" or rec.state not in ("ringing", "early"):
            raise CallOperationFailed("Only a ringing incoming call can be answered.",
                                      "Wait for the call to ring.")
        self._stop_ringtone(rec)
        op = pj.CallOpParam()
        op.statusCode = 200
        rec.pj_call.answer(op)

    def reject(self, call_id: str, code: int) -> None:
        if code not in (486, 603):
            raise CallOperationFailed(f"{code} is not a rejection this phone sends.",
                                      "Use 486 (busy) or 603 (decline).")
        rec = self._record(call_id)
        if rec.direction != "incoming" or rec.answered:
            raise CallOperationFailed("Only a ringing incoming call can be rejected.",
                                      "Hang up instead.")
        rec.rejected_why = "agent_rejected"
        self._hangup(rec, code)
        self._publish_refusal(call_id, "incoming", code, "agent_rejected")

    def hangup(self, call_id: str) -> None:
        self._hangup(self._record(call_id), 0)

    def _hangup(self, rec: CallRecord, code: int) -> None:
        self._stop_ringtone(rec)
        if rec.hangup_at is None:
            rec.hangup_at = self.clock()
        op = pj.CallOpParam()
        op.statusCode = code
        try:
            rec.pj_call.hangup(op)
        except pj.Error as exc:
            log.warning("hangup of %s failed (%s); the watchdog will clean up", rec.call_id,
                        pj_error_text(exc))

    def hold(self, call_id: str) -> None:
        rec = self._confirmed(call_id)
        rec.pj_call.setHold(pj.CallOpParam(True))
        rec.held = True

    def resume(self, call_id: str) -> None:
        rec = self._confirmed(call_id)
        op = pj.CallOpParam(True)
        op.opt.flag = pj.PJSUA_CALL_UNHOLD
        rec.pj_call.reinvite(op)
        rec.held = False

    def set_mute(self, call_id: str, muted: bool) -> None:
        rec = self._record(call_id)
        rec.muted = muted
        self._relink(rec)
        self._rewire_recordings()
        self._publish(ev.CallMediaChanged(self._snapshot(rec)))

    def send_dtmf(self, call_id: str, digits: str) -> None:
        if not digits or any(c not in "0123456789*#ABCD" for c in digits.upper()):
            raise CallOperationFailed("DTMF digits must be 0-9, *, # or A-D.", "Check the digits.")
        rec = self._confirmed(call_id)
        prm = pj.CallSendDtmfParam()
        prm.digits = digits
        prm.method = pj.PJSUA_DTMF_METHOD_RFC2833
        try:
            rec.pj_call.sendDtmf(prm)
        except pj.Error:
            # the far end did not offer telephone-event: fall back to SIP INFO
            prm.method = pj.PJSUA_DTMF_METHOD_SIP_INFO
            rec.pj_call.sendDtmf(prm)

    def blind_transfer(self, call_id: str, target: str) -> None:
        rec = self._confirmed(call_id)
        cfg = self.config
        uri = normalise_target(target, cfg.sip_domain, cfg.dial_prefix, self._tls)
        if rec.transfer_at is not None:
            raise CallOperationFailed("A transfer of this call is still in progress.",
                                      "Wait for it to finish or time out, then try again.")
        rec.pj_call.xfer(uri, pj.CallOpParam(True))
        rec.transfer_kind = "blind"
        rec.transfer_at = self.clock()

    def attended_transfer(self, call_id: str, consult_call_id: str) -> None:
        rec = self._confirmed(call_id)
        consult = self._confirmed(consult_call_id)
        if rec.transfer_at is not None:
            raise CallOperationFailed("A transfer of this call is still in progress.",
                                      "Wait for it to finish or time out, then try again.")
        rec.pj_call.xferReplaces(consult.pj_call, pj.CallOpParam(True))
        rec.transfer_kind = "attended"
        consult.transfer_kind = "attended"
        rec.transfer_at = self.clock()

    def _confirmed(self, call_id: str) -> CallRecord:
        rec = self._record(call_id)
        if rec.state != "confirmed":
            raise CallOperationFailed("The call is not connected yet.", "Wait until it is answered.")
        return rec

    def on_call_state(self, call: Any) -> None:
        rec = self._calls.get(call.call_id)
        if rec is None or rec.ended:
            return
        info = call.getInfo()
        state = PJ_STATE_NAMES.get(int(info.state), "null")
        rec.last_code = int(info.lastStatusCode)
        rec.last_reason = str(info.lastReason)[:80]
        if state != rec.state:
            rec.state = state
            rec.state_since = self.clock()
        if rec.monitor is not None:
            if state == "disconnected":
                self._finish(rec, rec.end_cause())
            return
        if state == "disconnected":
            if (rec.direction == "outgoing" and self.config.srtp_required and not rec.srtp_refused
                    and rec.last_code == 488 and rec.last_reason == LOCAL_MEDIA_FAILURE):
                # the far end answered, but not with SRTP we accept: pjsua ended the call itself
                rec.srtp_refused = True
                self._publish_refusal(rec.call_id, "outgoing", 488, "no_srtp")
            elif (rec.direction == "outgoing" and not rec.rejected_why
                    and rec.last_reason == SIPS_REQUIRED):
                # a sips: call answered from a sip: Contact: pjsip ended it with BYE
                rec.rejected_why = "sips_required"
                self._publish_refusal(rec.call_id, "outgoing", rec.last_code, "sips_required")
            self._finish(rec, rec.end_cause())
            return
        if state == "confirmed" and not rec.answered:
            rec.answered = True
            self._stop_ringtone(rec)
            self._publish(ev.CallAnswered(rec.call_id, rec.direction, rec.srtp_suite))
        self._publish(ev.CallStateChanged(self._snapshot(rec)))

    def _finish(self, rec: CallRecord, cause: str) -> None:
        self._stop_ringtone(rec)
        self.stop_recording(rec.call_id, "call_ended")
        self._unlink(rec)
        rec.ended = True
        rec.state = "disconnected"
        rec.media_active = False
        self.monitor.on_finish(rec, cause)
        if rec.monitor is not None:
            self._reap.append(rec.call_id)
            return
        info = ended_info(self._snapshot(rec))
        self._publish(ev.CallStateChanged(info))
        self._publish(ev.CallEnded(info, cause))
        self._reap.append(rec.call_id)
        if rec.answered and not self.monitor.customer_calls() and self.agent.call_finished():
            self._publish_agent()

    def on_sdp_created(self, call: Any, prm: Any) -> None:
        rec = self._calls.get(call.call_id)
        if rec is None:
            return
        # as the answerer our SDP carries the one suite chosen; as the offerer the remote's does
        suite = crypto_suite_in(str(prm.sdp.wholeSdp)) if str(prm.remSdp.wholeSdp) else ""
        if suite:
            rec.srtp_suite = suite

    def on_call_media_state(self, call: Any) -> None:
        rec = self._calls.get(call.call_id)
        if rec is None or rec.ended:
            return
        info = call.getInfo()
        rec.media_active = False
        rec.audio_index = -1
        rec.remote_held = False
        for i, mi in enumerate(info.media):
            if mi.type != pj.PJMEDIA_TYPE_AUDIO:
                continue
            if mi.status == pj.PJSUA_CALL_MEDIA_REMOTE_HOLD:
                rec.remote_held = True
            if mi.status in (pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD):
                rec.media_active = True
                rec.audio_index = i
            if mi.status == pj.PJSUA_CALL_MEDIA_LOCAL_HOLD:
                rec.audio_index = i
            break
        if rec.audio_index >= 0 and self.config.srtp_required and not self._media_is_srtp(rec):
            rec.srtp_refused = True
            self._publish_refusal(rec.call_id, rec.direction, 488, "no_srtp")
            self._hangup(rec, 488)
            return
        if rec.audio_index >= 0 and not rec.srtp_suite:
            rec.srtp_suite = self._suite_from_dump(rec)
        self._relink(rec)
        self._rewire_recordings()
        if rec.monitor is None:
            self._publish(ev.CallMediaChanged(self._snapshot(rec)))

    def _media_is_srtp(self, rec: CallRecord) -> bool:
        try:
            proto = int(rec.pj_call.getStreamInfo(rec.audio_index).proto)
        except pj.Error:
            return False
        return bool(proto & pj.PJMEDIA_TP_PROFILE_SRTP)

    def _suite_from_dump(self, rec: CallRecord) -> str:
        # The dump is parsed here and discarded; it holds URIs and is never logged.
        try:
            text = str(rec.pj_call.dump(True, ""))
        except pj.Error:
            return ""
        for line in text.splitlines():
            if "SRTP status" in line and "Crypto-suite" in line:
                return line.split("Crypto-suite:", 1)[1].strip().split()[0].upper()
        return ""

    def on_dtmf(self, call: Any, digit: str) -> None:
        rec = self._calls.get(call.call_id)
        if rec is not None and rec.monitor is not None and not rec.ended:
            self.monitor.on_dtmf(rec, digit)
        elif rec is not None and not rec.ended:
            self._publish(ev.DtmfReceived(rec.call_id, digit))

    def on_rx_reinvite(self, call: Any, prm: Any) -> None:
        """A re-INVITE on a supervisor leg may carry a grant for a new mode (pjsua answers
        the re-INVITE itself; an INFO it does not know it answers 500, so not INFO)."""
        rec = self._calls.get(call.call_id)
        if rec is not None and not rec.ended and rec.monitor is not None:
            self.monitor.on_info(rec, str(prm.rdata.wholeMsg))

    def reinvite(self, call_id: str, headers: dict[str, str]) -> None:
        """A re-INVITE carrying these headers (a team lead's mode change)."""
        rec = self._confirmed(call_id)
        rec.pj_call.reinvite(with_headers(pj.CallOpParam(True), headers))

    def set_monitor_gate(self, gate: Any) -> None:
        self.monitor.gate = gate

    def on_transfer_status(self, call: Any, prm: Any) -> None:
        rec = self._calls.get(call.call_id)
        if rec is None or rec.ended:
            return
        code = int(prm.statusCode)
        final = bool(prm.finalNotify)
        self._publish(ev.TransferProgress(rec.call_id, code, final))
        if not final:
            return
        prm.cont = False
        success = code // 100 == 2
        rec.transfer_at = None
        self._publish(ev.CallTransferred(rec.call_id, rec.transfer_kind or "blind", success,
                                         "" if success else "refused"))
        if success:
            rec.transferred = True
            self._hangup(rec, 0)
            for other in self._live_calls(but=rec.call_id):
                if other.transfer_kind == "attended":
                    other.transferred = True

    # ----------------------------------------------------------------- agent state
    def set_agent_state(self, state: AgentState, reason: str) -> None:
        self.agent.set(state, reason)
        self._publish_agent()

    def _publish_agent(self) -> None:
        a = self.agent
        self._publish(ev.AgentStateChanged(a.state.value, a.reason, a.seconds_left()))

    # ----------------------------------------------------------------- teardown
    def _reap_calls(self) -> None:
        """Drop Call objects of ended calls (never inside their own callback)."""
        while self._reap:
            rec = self._calls.pop(self._reap.pop(), None)
            if rec is None:
                continue
            self._players.pop(rec.call_id, None)
            call, rec.pj_call = rec.pj_call, None
            self._reap_now(call)

    def _reap_now(self, call: Any) -> None:
        del call

    def _shutdown(self) -> list[str]:
        problems: list[str] = []
        ep = self._ep
        try:
            for rec in self._live_calls():
                self._hangup(rec, 0)
            deadline = time.monotonic() + 3
            while self._live_calls() and time.monotonic() < deadline:
                ep.libHandleEvents(10)
                self._watchdog(self.clock())
            for rec in self._live_calls():
                problems.append("a call did not end in time")
                self._finish(rec, "watchdog")
            self._stop_all_recordings("shutdown")
            self._reap_calls()
            self._players.clear()
            self._mic_player = None
            self._ring_player = None
            self._test_tone = None
            self._ring_target = None
            self._ring_sink = None
            for fut in self._reg_waiters + self._unreg_waiters:
                if not fut.done():
                    fut.cancel()
            for name in ("_acc_refuse", "_acc_sips"):
                extra = getattr(self, name)
                if extra is not None:
                    setattr(self, name, None)
                    extra.shutdown()
                    del extra
            if self._acc is not None:
                acc, self._acc = self._acc, None
                acc.shutdown()  # sends the un-REGISTER; the account must not be touched again
                del acc
                deadline = time.monotonic() + 0.3
                while time.monotonic() < deadline:
                    ep.libHandleEvents(10)
        except Exception as exc:
            log.exception("error while stopping calls")
            problems.append(type(exc).__name__)
        while self._queue:
            _, fut = self._queue.popleft()
            if fut.set_running_or_notify_cancel():
                fut.set_exception(PhoneNotRunning())
        self._destroy_endpoint()
        return problems

    def _destroy_endpoint(self) -> None:
        ep, self._ep = self._ep, None
        if ep is None:
            return
        self._calls.clear()
        self._layer = None
        for call in list(self._all_calls):
            # a Call deleted after libDestroy aborts the process in pjsua_call_set_user_data;
            # one still referenced somewhere (a listener, a traceback) is leaked instead
            call.thisown = False
        # pjsua2 proxies (players, ports, AudioMedia) left in reference cycles would otherwise be
        # freed by a later garbage collection, on any thread, after libDestroy: a crash
        gc.collect()
        # those still referenced somewhere (a log record's traceback, a test's variable) would
        # be freed after libDestroy, by whichever thread, and their destructors call into the
        # destroyed library: the process aborts (pjmedia_conf_remove_port asserts). There is one
        # Endpoint per process, so every such object is this one's: leaked instead.
        for obj in gc.get_objects():
            if isinstance(obj, _REGISTERED_WITH_ENDPOINT):
                obj.thisown = False
        try:
            ep.libDestroy()
        except pj.Error as exc:
            log.error("pjsua2 did not shut down cleanly (%s)", pj_error_text(exc))
        del ep
        log.info("SIP engine stopped")


def with_headers(op: Any, headers: dict[str, str] | None) -> Any:
    """``op`` (a CallOpParam or CallSendRequestParam) carrying extra SIP headers."""
    for name, value in (headers or {}).items():
        h = pj.SipHeader()
        h.hName, h.hValue = name, value
        op.txOption.headers.append(h)
    return op


__all__ = ["DeviceLayerFactory", "SipThread"]
