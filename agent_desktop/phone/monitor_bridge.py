"""Supervisor monitoring on the agent's engine (SIP thread only).

A team lead's client calls this agent carrying ``X-Monitor-Grant``. While a customer call
is up, such an INVITE comes here instead of being answered 486: the gate verifies the
grant (signature, expiry, nonce, agent), and a valid one is answered at once, without
ringing, and wired on the conference bridge as its mode says (cust/sup = the customer's
and the supervisor's call ports, mic/spk = the agent's devices):

    listen:  cust -> sup, mic -> sup
    whisper: listen + sup -> spk
    barge:   whisper + sup -> cust

The links live in the supervisor leg's ``CallRecord.links`` and are rebuilt from scratch
on every change (mode, hold, mute, devices, media), so none is ever left behind. A mode
change comes as a re-INVITE carrying a new grant (the same team lead's), or as DTMF
4/5/6 within the grant's mode. The leg ends when the team lead hangs up, the customer
call ends, or ``max_session_seconds`` passes. The leg is never an agent-visible call: only
``Monitor*`` events are published for it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pjsua2 as pj

from agent_desktop.monitoring.gate import (
    DTMF_MODES,
    HEADER,
    Grant,
    InvalidGrant,
    claimed_fields,
    problem_code,
)
from agent_desktop.phone import events as ev
from agent_desktop.phone.calls import CallRecord
from agent_desktop.phone.refusals import sip_call_id

if TYPE_CHECKING:
    from agent_desktop.monitoring.gate import MonitorGate
    from agent_desktop.phone.sip_thread import SipThread

log = logging.getLogger(__name__)


def sip_header(msg: str, name: str) -> str:
    """The value of header ``name`` in a whole SIP message ('' when absent)."""
    head = msg.split("\r\n\r\n", 1)[0]
    m = re.search(rf"^{re.escape(name)}[ \t]*:[ \t]*(.*)$", head, re.I | re.M)
    return m.group(1).strip() if m else ""


@dataclass
class MonitorLeg:
    grant: Grant
    customer: str  # the monitored call's id
    mode: str
    started: float


class MonitorBridge:
    def __init__(self, engine: SipThread, gate: MonitorGate | None) -> None:
        self.engine = engine
        self.gate = gate

    # ------------------------------------------------------------------ the INVITE
    def offer(self, rec: CallRecord, msg: str) -> bool:
        """True when this INVITE is a monitoring request (handled here, either way)."""
        token = sip_header(msg, HEADER)
        if not token:
            return False
        eng = self.engine
        claimed = claimed_fields(token)
        customer = self._customer_call()
        if customer is None:
            self._refuse(rec, msg, "monitor_no_call", "no_customer_call", claimed)
            return True
        if self.gate is None:
            self._refuse(rec, msg, "monitor_refused", "not_set_up", claimed)
            return True
        try:
            grant = self.gate.check(token)
        except InvalidGrant as err:
            self._refuse(rec, msg, "monitor_refused", problem_code(err), claimed)
            return True
        rec.monitor = MonitorLeg(grant, customer.call_id, grant.mode, eng.clock())
        rec.answered = True  # never rings, never reaches the agent's call list
        op = pj.CallOpParam()
        op.statusCode = 200
        rec.pj_call.answer(op)
        eng._publish(ev.MonitorStarted(customer.call_id, rec.call_id, grant.sup, grant.nonce,
                                       mode=grant.mode, granted=grant.mode))
        return True

    def _refuse(self, rec: CallRecord, msg: str, reason: str, why: str,
                claimed: dict[str, str]) -> None:
        eng = self.engine
        rec.rejected_why = reason
        eng._hangup(rec, 403)
        eng._refused_here.append(sip_call_id(msg))
        eng._publish(ev.MonitorRefused(rec.call_id, "incoming", 403, reason,
                                       sup=claimed.get("sup", ""), nonce=claimed.get("nonce", ""),
                                       why=why))

    def _customer_call(self) -> CallRecord | None:
        live = [r for r in self.customer_calls() if r.state == "confirmed"]
        active = [r for r in live if not r.held]
        pick = active or live
        return pick[0] if pick else None

    def customer_calls(self, but: str = "") -> list[CallRecord]:
        return [r for r in self.engine._live_calls(but=but) if r.monitor is None]

    # ------------------------------------------------------------------ wiring
    def relink(self, rec: CallRecord) -> None:
        """Rebuild a supervisor leg's links from its mode (called by ``_relink``)."""
        eng = self.engine
        eng._unlink(rec)
        leg = rec.monitor
        if rec.ended or not rec.media_active or rec.audio_index < 0 or leg is None:
            return
        sup = rec.pj_call.getAudioMedia(rec.audio_index)
        cust_rec = eng._calls.get(leg.customer)
        cust = None
        if cust_rec is not None and not cust_rec.ended and cust_rec.media_active \
                and cust_rec.audio_index >= 0 and not cust_rec.held:
            cust = cust_rec.pj_call.getAudioMedia(cust_rec.audio_index)
        links = []
        if cust is not None:
            links.append((cust, sup))
        if cust_rec is None or not cust_rec.muted:
            links.append((eng._mic(), sup))
        if leg.mode in ("whisper", "barge"):
            links.append((sup, eng._speaker()))
        if leg.mode == "barge" and cust is not None:
            links.append((sup, cust))
        for src, sink in links:
            src.startTransmit(sink)
            rec.links.append((src, sink))

    def relink_for(self, customer: CallRecord) -> None:
        """The customer call's media changed: its supervisor legs' links follow."""
        for rec in self.legs_of(customer.call_id):
            self.relink(rec)

    def legs_of(self, customer_id: str) -> list[CallRecord]:
        return [r for r in self.engine._live_calls()
                if r.monitor is not None and r.monitor.customer == customer_id]

    # ------------------------------------------------------------------ mode changes
    def set_mode(self, rec: CallRecord, mode: str, via: str) -> None:
        leg = rec.monitor
        assert leg is not None
        if not leg.grant.allows(mode):
            self._mode_refused(rec, mode, via, "beyond_grant")
            return
        previous, leg.mode = leg.mode, mode
        self.relink(rec)
        if previous != mode:
            self.engine._publish(ev.MonitorModeChanged(leg.customer, rec.call_id, leg.grant.sup,
                                                       leg.grant.nonce, mode=mode,
                                                       previous=previous, via=via))

    def _mode_refused(self, rec: CallRecord, mode: str, via: str, reason: str) -> None:
        leg = rec.monitor
        assert leg is not None
        log.warning("monitor mode change to %s refused (%s)", mode, reason)
        self.engine._publish(ev.MonitorModeRefused(leg.customer, rec.call_id, leg.grant.sup,
                                                   leg.grant.nonce, requested=mode, via=via,
                                                   reason=reason))

    def on_dtmf(self, rec: CallRecord, digit: str) -> None:
        mode = DTMF_MODES.get(digit)
        if mode is not None:
            self.set_mode(rec, mode, "dtmf")

    def on_info(self, rec: CallRecord, msg: str) -> None:
        """An in-dialog request (re-INVITE) with a new grant: the mode (and ceiling) it names."""
        token = sip_header(msg, HEADER)
        leg = rec.monitor
        if not token or leg is None:
            return
        requested = claimed_fields(token).get("mode", "")
        if self.gate is None:
            self._mode_refused(rec, requested, "reinvite", "not_set_up")
            return
        try:
            grant = self.gate.check(token)
        except InvalidGrant as err:
            self._mode_refused(rec, requested, "reinvite", problem_code(err))
            return
        if grant.sup != leg.grant.sup:
            self._mode_refused(rec, requested, "reinvite", "other_team_lead")
            return
        # the session keeps its first nonce (what ties both sides' records together)
        leg.grant = Grant(leg.grant.sup, leg.grant.agent, grant.mode, grant.exp, leg.grant.nonce)
        self.set_mode(rec, grant.mode, "reinvite")

    # ------------------------------------------------------------------ endings
    def on_finish(self, rec: CallRecord, cause: str) -> None:
        """A call ended: a supervisor leg reports its end; a customer call ends its legs."""
        eng = self.engine
        leg = rec.monitor
        if leg is not None:
            why = {"remote_hangup": "supervisor_hangup"}.get(cause, cause)
            eng._publish(ev.MonitorEnded(leg.customer, rec.call_id, leg.grant.sup, leg.grant.nonce,
                                         cause=rec.rejected_why or why,
                                         seconds=round(eng.clock() - leg.started, 1)))
            return
        for sup in self.legs_of(rec.call_id):
            # the customer's bridge port goes with its media: drop links to it now
            eng._unlink(sup)
            sup.rejected_why = "customer_call_ended"
            eng._hangup(sup, 0)

    def tick(self, now: float) -> None:
        limit = self.gate.max_session_seconds if self.gate is not None else 0
        for rec in self.engine._live_calls():
            leg = rec.monitor
            if leg is not None and limit and now - leg.started > limit and rec.hangup_at is None:
                rec.rejected_why = "session_limit"
                self.engine._hangup(rec, 0)
