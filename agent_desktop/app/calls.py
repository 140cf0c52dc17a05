"""One call's context, from ring to after-call work, owned by the workstation.

The desk listens to the phone's events (on the SIP thread, so it only queues) and handles
them in order on its own thread: every call step is audited with the call id, direction,
outcome and SRTP suite (never a number or URI); an incoming call's number goes to the
screen popper; a call's verification is bound to its call id; when the call ends its PHI
is dropped (one :class:`DropPhi` event) and after-call work starts.

PHI lives only in :class:`CallContext` fields marked so, and only while the vault is
unlocked: :meth:`CallDesk.drop_phi` (on lock) keeps the PHI-free progress and
:meth:`CallDesk.reload_phi` (after unlock) reattaches the patient from the vault cache.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent_desktop.bus import EventBus, OrderedWorker
from agent_desktop.directory.client import DirectoryError
from agent_desktop.directory.groups import GroupData
from agent_desktop.directory.service import Directory, Lookup
from agent_desktop.errors import AgentDesktopError
from agent_desktop.monitoring.gate import audit_ref
from agent_desktop.phone import events as pev
from agent_desktop.phone.recording_events import CallRecordingChanged
from agent_desktop.verify.engine import AnswerResult, Prompt, Status
from agent_desktop.verify.record import PatientRecord
from agent_desktop.verify.session import VerificationService, VerificationSession
from agent_desktop.verify.suspend import Suspension, resume, suspend

from .events import CallUpdated, DropPhi
from .recent import RecentCalls

log = logging.getLogger(__name__)

# Phone events that are audit records, by class; a new AuditWorthy class not listed here is
# recorded as "call.<snake_case name>" so nothing the engine flags goes unrecorded.
AUDIT_ACTIONS: dict[type, str] = {
    pev.CallAnswered: "call.answer",
    pev.CallRejected: "call.reject",
    pev.SrtpRefused: "call.srtp_refused",
    pev.CallRefused: "call.refused",
    pev.CallTransferred: "call.transfer",
    pev.CallCleanedUp: "call.cleanup",
    # a team lead's monitoring, agent side (the team lead's client records its own side)
    pev.MonitorStarted: "call.monitor.start",
    pev.MonitorModeChanged: "call.monitor.mode",
    pev.MonitorModeRefused: "call.monitor.mode_refused",
    pev.MonitorEnded: "call.monitor.end",
    pev.MonitorRefused: "call.monitor.refused",
    CallRecordingChanged: "call.recording",
}
# Fields of phone events that may carry a number or a URI: never copied into an audit detail.
_NEVER_AUDITED = ("remote", "number", "uri", "target", "contact", "from", "to",
                  "leg_id")  # a monitoring leg's id: internal, and hex that may read as a number


class CallNotFound(AgentDesktopError):
    def __init__(self) -> None:
        super().__init__("That call is no longer in progress.", "Pick a call from the call list.")


@dataclass(frozen=True)
class Candidate:
    """A screen-pop candidate as the agent sees it before verification: masked."""

    patient: str       # opaque reference
    initials: str
    birth_year: str


# The field groups a verification gates, in the order the PHI view shows them.
FIELD_GROUPS = ("demographics", "appointments", "medications", "lab_results", "care_plan", "billing")


@dataclass(frozen=True)
class CallerChoice:
    name: str
    label: str
    kind: str  # "patient", "representative", "provider", "escalate"


@dataclass(frozen=True)
class RepresentativeChoice:
    """A representative on file as the agent picks one: relationship and initials only."""

    id: str
    relationship: str
    initials: str
    consent: str  # "active", "expired", "inactive", "proposed", "missing"


@dataclass(frozen=True)
class CallView:
    """A PHI-free snapshot of one call's context for the screens."""

    call_id: str
    direction: str
    lookup: str              # "pending", "found", "no_match", "unavailable", "no_number"
    candidates: tuple[Candidate, ...]
    cached: bool
    patient: str | None
    verification: str | None  # Status value
    groups: tuple[str, ...]
    prompt: Prompt | None
    failures: int
    ended: bool


@dataclass
class CallContext:
    call_id: str
    direction: str
    started: float
    lookup_state: str = "pending"
    cached: bool = False
    candidate_ids: tuple[str, ...] = ()
    patient: str | None = None
    ended: bool = False
    held: bool = False
    placed_audited: bool = False
    # --- PHI: only while unlocked -------------------------------------------------------
    records: dict[str, PatientRecord] = field(default_factory=dict)
    session: VerificationSession | None = None
    suspension: Suspension | None = None

    def drop_phi(self) -> None:
        self.records = {}
        if self.session is not None and self.suspension is None:
            self.suspension = suspend(self.session.verification)


def mask(record: PatientRecord) -> Candidate:
    p = record.person
    initials = "".join(n[:1].upper() + "." for n in (*p.given[:1], *p.family[:1]))
    return Candidate(record.id, initials or "?", str(p.birth_date.year) if p.birth_date else "?")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def audit_action(event: pev.AuditWorthy) -> str:
    return AUDIT_ACTIONS.get(type(event)) or "call." + _snake(type(event).__name__)


def _outcome(event: pev.AuditWorthy) -> str:
    """An agent's own rejection succeeded; a call the engine refused was denied."""
    if isinstance(event, pev.CallRejected):
        return "success" if event.reason == "agent_rejected" else "denied"
    if isinstance(event, pev.CallRefused | pev.MonitorModeRefused):
        return "denied"
    return "success" if getattr(event, "success", True) else "failure"


def audit_detail(event: Any) -> dict[str, Any]:
    """The event's PHI-free scalar fields (call id goes in its own column)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if f.name == "call_id" or f.name in _NEVER_AUDITED:
            continue
        if f.name == "nonce" and isinstance(value, str):
            value = audit_ref(value)  # a monitor grant's: both sides record it alike
        if isinstance(value, bool | int | float) or (isinstance(value, str) and len(value) <= 64):
            out[f.name] = value
    return out


class CallDesk:
    def __init__(self, bus: EventBus, recorder: Any, directory: Directory | None,
                 verification: VerificationService | None, *, role: str,
                 record_locked: Callable[[str, str, dict[str, Any]], None],
                 unlocked: Callable[[], bool], clock: Callable[[], float] = time.time) -> None:
        self.bus = bus
        self.recorder = recorder
        self.directory = directory
        self.verification = verification
        self.role = role
        self._record_locked = record_locked
        self._unlocked = unlocked
        self.clock = clock
        self.recent: RecentCalls | None = None
        self._lock = threading.RLock()
        self._calls: dict[str, CallContext] = {}
        self._pop_after_unlock: dict[str, pev.CallInfo] = {}
        self._worker = OrderedWorker("ws-calls")
        self._subs = [bus.subscribe(pev.PhoneEvent, self._on_phone_event)]

    # --- events (SIP thread: queue only) ---------------------------------------------------
    def _on_phone_event(self, event: pev.PhoneEvent) -> None:
        if isinstance(event, pev.AuditWorthy | pev.IncomingCall | pev.CallStateChanged
                      | pev.CallMediaChanged | pev.CallEnded):
            if isinstance(event, pev.IncomingCall | pev.CallStateChanged) and not event.call.state == "disconnected":
                # a view asked for right after the phone's event finds the call (pending)
                self._context(event.call)
            self._worker.queue(self._handle, event)

    def _handle(self, event: pev.PhoneEvent) -> None:
        try:
            if isinstance(event, pev.AuditWorthy):
                self._audit(audit_action(event), getattr(event, "call_id", None), audit_detail(event),
                            outcome=_outcome(event), patient=self._monitored_patient(event))
            elif isinstance(event, pev.IncomingCall):
                self._incoming(event.call)
            elif isinstance(event, pev.CallStateChanged):
                self._state(event.call)
            elif isinstance(event, pev.CallMediaChanged):
                self._media(event.call)
            elif isinstance(event, pev.CallEnded):
                self._ended(event)
        except AgentDesktopError as err:
            log.error("call step %s not handled: %s", type(event).__name__, err.message)

    def _monitored_patient(self, event: pev.PhoneEvent) -> str | None:
        """A monitoring step names the monitored call's patient once verified, so the
        patient's disclosures report shows who listened."""
        if not isinstance(event, pev.MonitorEvent):
            return None
        with self._lock:
            ctx = self._calls.get(event.call_id)
            verified = ctx is not None and ctx.session is not None \
                and ctx.session.status is Status.VERIFIED
            return ctx.patient if ctx is not None and verified else None

    def _audit(self, action: str, call_id: str | None, detail: dict[str, Any],
               outcome: str = "success", patient: str | None = None) -> None:
        """Into the chain while unlocked; into the locked-state log otherwise."""
        if self.recorder is not None and self._unlocked():
            try:
                self.recorder.record(action, call_id=call_id, patient=patient, outcome=outcome,
                                     detail=detail)
                return
            except AgentDesktopError as err:
                if self._unlocked():
                    raise
                log.info("vault locked while recording %s: kept for the next unlock (%s)",
                         action, err.message)
        self._record_locked(action, outcome, {**detail, **({"call_id": call_id} if call_id else {})})

    def _context(self, info: pev.CallInfo) -> CallContext:
        with self._lock:
            ctx = self._calls.get(info.call_id)
            if ctx is None:
                ctx = CallContext(info.call_id, info.direction, self.clock())
                self._calls[info.call_id] = ctx
            return ctx

    def _incoming(self, info: pev.CallInfo) -> None:
        self._context(info)
        self._audit("call.incoming", info.call_id, {"direction": "incoming", "tls": info.tls})
        self._pop(info)

    def _state(self, info: pev.CallInfo) -> None:
        ctx = self._context(info)
        if not ctx.placed_audited and info.direction == "outgoing":
            ctx.placed_audited = True
            self._audit("call.place", info.call_id, {"direction": "outgoing", "tls": info.tls})
        ctx.held = info.held

    def _media(self, info: pev.CallInfo) -> None:
        ctx = self._context(info)
        if info.held != ctx.held:
            ctx.held = info.held
            self._audit("call.hold" if info.held else "call.resume", info.call_id,
                        {"direction": info.direction, "srtp_suite": info.srtp_suite})

    def _ended(self, event: pev.CallEnded) -> None:
        info = event.call
        ctx = self._context(info)
        seconds = round(self.clock() - ctx.started, 1)
        self._audit("call.end", info.call_id,
                    {"direction": info.direction, "cause": event.cause, "srtp_suite": info.srtp_suite,
                     "seconds": seconds}, patient=ctx.patient)
        if self.recent is not None and self._unlocked():
            try:
                self.recent.add(info.call_id, ctx.started, info.direction, seconds, info.remote)
            except AgentDesktopError as err:
                log.warning("call not kept in recent calls: %s", err.message)
        self.end_call(info.call_id)

    # --- screen pop ------------------------------------------------------------------------
    def _pop(self, info: pev.CallInfo) -> None:
        from agent_desktop.directory.screen_pop import caller_number

        ctx = self._context(info)
        number = caller_number(info.remote)
        if number is None:
            return self._lookup_state(ctx, "no_number")
        if self.directory is None:
            return self._lookup_state(ctx, "unavailable")
        if not self._unlocked():  # rang on the lock screen: popped after unlock
            with self._lock:
                self._pop_after_unlock[info.call_id] = info
            return self._lookup_state(ctx, "unavailable")
        try:
            found = self.directory.screen_pop(info.call_id, number, self.recorder)
        except DirectoryError as err:
            log.warning("screen pop failed: %s", err.message)
            return self._lookup_state(ctx, "unavailable")
        self._found(ctx, found)

    def _found(self, ctx: CallContext, found: Lookup) -> None:
        with self._lock:
            ctx.records = {r.id: r for r in found.records}
            ctx.candidate_ids = tuple(found.ids)
            ctx.cached = found.cached
            ctx.lookup_state = "found" if found.records else "no_match"
        self.bus.publish(CallUpdated(ctx.call_id))

    def _lookup_state(self, ctx: CallContext, state: str) -> None:
        ctx.lookup_state = state
        self.bus.publish(CallUpdated(ctx.call_id))

    def unlocked_again(self) -> None:
        """After unlock: screen-pop the calls that rang while the vault was locked."""
        with self._lock:
            waiting = [info for cid, info in self._pop_after_unlock.items() if cid in self._calls]
            self._pop_after_unlock.clear()
        for info in waiting:
            self._worker.queue(self._pop, info)

    def search(self, call_id: str, family: str, given: str, birth_date: str) -> CallView:
        """Search by name and date of birth (blocking: the directory or the vault cache)."""
        ctx = self._get(call_id)
        if self.directory is None:
            raise DirectoryError("no patient directory is configured",
                                 "Ask IT to set directory.fhir_base_url in the policy.")
        found = self.directory.by_name(family, given, birth_date)
        self._audit("directory.lookup", call_id, {"by": "name", "candidates": len(found.records),
                                                  "cached": found.cached})
        self._found(ctx, found)
        return self.view(call_id)

    # --- verification ----------------------------------------------------------------------
    def start_verification(self, call_id: str, patient: str, caller_type: str,
                           representative: str | None = None) -> CallView:
        ctx = self._get(call_id)
        if self.verification is None:
            raise AgentDesktopError("Verification is not available: the script could not be loaded.",
                                    "Ask IT to check verification.script with `agent-desktop verify check`.")
        record = ctx.records.get(patient) or self._reload(patient)
        rep = record.representative(representative) if representative else None
        if representative and rep is None:
            raise AgentDesktopError("That representative is not on file for this patient.",
                                    "Pick the caller from the list of authorised representatives.")
        ctx.session = self.verification.start(caller_type, record, self.role, call_id=call_id,
                                              representative=rep)
        ctx.suspension = None
        ctx.patient = patient
        ctx.records = {patient: record}
        self.bus.publish(CallUpdated(call_id))
        return self.view(call_id)

    def answer(self, call_id: str, identifier: str, typed: str) -> AnswerResult:
        try:
            return self._session(call_id).answer(identifier, typed)
        finally:
            self.bus.publish(CallUpdated(call_id))

    def escalate(self, call_id: str, reason: str = "agent_escalated") -> CallView:
        self._session(call_id).escalate(reason)
        self.bus.publish(CallUpdated(call_id))
        return self.view(call_id)

    def reveal(self, call_id: str, group: str) -> GroupData:
        """The data behind one allowed group (blocking), recorded before it is returned.

        A group the verification does not allow is refused (the denial is recorded) before
        anything is fetched; see docs/directory.md for what each group holds.
        """
        session = self._session(call_id)
        if not session.may_show(group):
            with session.reveal(group):  # records the denial and raises NotAllowed
                pass
        if self.directory is None:
            raise AgentDesktopError("The patient directory cannot serve this field group.",
                                    "Ask IT to configure directory.fhir_base_url.")
        data = self.directory.group_data(session.patient, group)
        with session.reveal(group):
            return data

    def caller_types(self, language: str = "en") -> list[CallerChoice]:
        if self.verification is None:
            return []
        return [CallerChoice(name, ct.label.get(language), ct.kind)
                for name, ct in self.verification.script.caller_types.items()]

    def representatives(self, call_id: str, patient: str) -> list[RepresentativeChoice]:
        ctx = self._get(call_id)
        record = ctx.records.get(patient) or self._reload(patient)
        today = self.verification.today() if self.verification is not None else None
        out = []
        for rep in record.representatives:
            auth = rep.authorization
            consent = auth.status
            if consent == "active" and today is not None and not auth.valid_on(today):
                consent = "expired"
            person = rep.person
            initials = "".join(n[:1].upper() + "." for n in (*person.given[:1], *person.family[:1]))
            out.append(RepresentativeChoice(rep.id, auth.relationship, initials or "?", consent))
        return out

    def group_reasons(self, call_id: str) -> dict[str, str]:
        """Why each field group is shown or masked: "allowed", "not_verified", "role",
        "consent" (not in the consent on file) or "caller_type"."""
        ctx = self._get(call_id)
        s = ctx.session
        if s is None:
            return {g: "not_verified" for g in FIELD_GROUPS}
        v = s.verification
        role_groups = v.script.roles.get(v.role, frozenset())
        out: dict[str, str] = {}
        for g in FIELD_GROUPS:
            if g in s.groups:
                out[g] = "allowed"
            elif g not in role_groups:
                out[g] = "role"
            elif v.status is not Status.VERIFIED:
                out[g] = "not_verified"
            elif g not in v.caller_type.groups:
                out[g] = "caller_type"
            else:
                out[g] = "consent"
        return out

    def _session(self, call_id: str) -> VerificationSession:
        ctx = self._get(call_id)
        if ctx.session is None:
            raise AgentDesktopError("No verification has started on this call.",
                                    "Pick the caller's record and start verification.")
        if ctx.suspension is not None:
            self.reload_phi(call_id)
        return ctx.session

    # --- PHI across locks and call ends ------------------------------------------------------
    def drop_phi(self) -> None:
        """The vault locked: keep only PHI-free progress."""
        with self._lock:
            for ctx in self._calls.values():
                ctx.drop_phi()

    def reload_phi(self, call_id: str) -> None:
        """After unlock: reattach the patient of a suspended verification from the vault."""
        ctx = self._get(call_id)
        if ctx.session is None or ctx.suspension is None:
            return
        record = self._reload(ctx.suspension.patient)
        resume(ctx.session.verification, ctx.suspension, record)
        ctx.session.mask_names()  # the reloaded names stay out of the logs again
        ctx.suspension = None
        ctx.records = {record.id: record}
        self.bus.publish(CallUpdated(call_id))

    def _reload(self, patient: str) -> PatientRecord:
        if self.directory is None:
            raise DirectoryError("no patient directory is configured",
                                 "Ask IT to set directory.fhir_base_url in the policy.")
        found = self.directory.by_id(patient)
        if not found.records:
            raise DirectoryError("the patient's record is not available",
                                 "Search for the caller again.")
        return found.records[0]

    def end_call(self, call_id: str) -> None:
        with self._lock:
            ctx = self._calls.pop(call_id, None)
        if ctx is None:
            return
        ctx.ended = True
        ctx.records = {}
        if ctx.session is not None:
            ctx.session.close()  # its names leave the log redactor
        ctx.session = None
        if self.verification is not None:
            self.verification.end_call(call_id)
        self.bus.publish(DropPhi("call_end", call_id))
        self.bus.publish(CallUpdated(call_id))

    # --- views -----------------------------------------------------------------------------
    def _get(self, call_id: str) -> CallContext:
        with self._lock:
            ctx = self._calls.get(call_id)
        if ctx is None:
            raise CallNotFound()
        return ctx

    def view(self, call_id: str) -> CallView:
        ctx = self._get(call_id)
        s = ctx.session
        v = s.verification if s is not None else None
        candidates = tuple(mask(ctx.records[c]) for c in ctx.candidate_ids if c in ctx.records)
        return CallView(
            call_id=ctx.call_id, direction=ctx.direction, lookup=ctx.lookup_state,
            candidates=candidates, cached=ctx.cached, patient=ctx.patient,
            verification=str(v.status) if v is not None else None,
            groups=tuple(sorted(s.groups)) if s is not None else (),
            prompt=v.prompt if v is not None and ctx.suspension is None else None,
            failures=v.failures if v is not None else 0, ended=ctx.ended)

    def active_calls(self) -> list[str]:
        with self._lock:
            return list(self._calls)

    def verified(self, call_id: str) -> bool:
        ctx = self._get(call_id)
        return ctx.session is not None and ctx.session.status is Status.VERIFIED

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every queued call step is handled (tests, orderly shutdown)."""
        self._worker.drain(timeout)

    def close(self) -> None:
        for sub in self._subs:
            self.bus.unsubscribe(sub)
        self._subs.clear()
        self._worker.close()
