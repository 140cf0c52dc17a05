"""The thin service layer around the pure engine: audit every step, guard every reveal.

A :class:`VerificationSession` wraps one :class:`Verification` on one call. Every engine
step becomes an audit event (identifier type and result, never a value) before the agent
sees its result; if an event cannot be written the session breaks and shows nothing.
Each field-group reveal goes through the recorder's guard (event durable before display).
Failures are remembered in the vault per patient; repeated failures across calls within
the policy window raise a social-engineering flag (an audit event and a bus event).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from agent_desktop.bus import EventBus
from agent_desktop.errors import AgentDesktopError
from agent_desktop.logs.redact import REDACTOR
from agent_desktop.vault.events import VaultLocked
from agent_desktop.verify.engine import (
    AccessRequest,
    AnswerResult,
    PendingConsent,
    Status,
    Verification,
)


class Recorder(Protocol):
    def record(self, action: str, *, patient: str | None = None, call_id: str | None = None,
               outcome: str = "success", detail: Mapping[str, Any] | None = None) -> dict[str, Any]: ...

    def guard(self, action: str = "phi.reveal", *, patient: str | None = None,
              call_id: str | None = None, detail: Mapping[str, Any] | None = None,
              outcome: str = "success") -> Any: ...


class VaultLike(Protocol):
    def transaction(self, fn: Callable[[Any], Any]) -> Any: ...
    def submit(self, fn: Callable[[Any], Any]) -> Any: ...


class NotAllowed(AgentDesktopError):
    """A field group the verification does not allow (or the session is broken)."""


class CallLocked(AgentDesktopError):
    """Verification failed on this call already; a new attempt needs another call or a team lead."""


@dataclass(frozen=True)
class SocialEngineeringFlag:
    """Bus event: one patient failed verification repeatedly across calls (review it)."""

    patient: str
    call_id: str | None
    failures: int
    window_hours: int


VAULT_TIMEOUT = 10.0


class CallLockouts:
    """Which (call, patient) pairs ended in a lockout: a second try on the same call is refused."""

    def __init__(self) -> None:
        self._locked: set[tuple[str, str]] = set()

    def lock(self, call_id: str, patient: str) -> None:
        self._locked.add((call_id, patient))

    def locked(self, call_id: str, patient: str) -> bool:
        return (call_id, patient) in self._locked

    def end_call(self, call_id: str) -> None:
        self._locked = {k for k in self._locked if k[0] != call_id}


class VerificationSession:
    def __init__(self, verification: Verification, recorder: Recorder, vault: VaultLike, bus: EventBus, *,
                 call_id: str | None, flag_window_hours: int = 72, flag_after_failures: int = 3,
                 lockouts: CallLockouts | None = None, clock: Callable[[], float] = time.time) -> None:
        patient = verification.record.id
        if lockouts is not None and call_id and lockouts.locked(call_id, patient):
            raise CallLocked("verification already failed for this patient on this call",
                             "Escalate to a team lead; the caller may call again later.")
        self.verification = verification
        self.recorder = recorder
        self.vault = vault
        self.bus = bus
        self.call_id = call_id
        self.flag_window_hours = flag_window_hours
        self.flag_after_failures = flag_after_failures
        self.lockouts = lockouts
        self.clock = clock
        self.broken = False
        self.flagged = False
        self._recorded = 0
        # while the record is loaded its names and identifiers never reach a log in clear;
        # a lock drops the record (PHI leaves memory), so it drops them from the redactor too
        self._masked: tuple[str, ...] = ()
        self.mask_names()
        self._locked_sub = bus.subscribe(VaultLocked, self._on_vault_locked)
        try:
            self._flush()
        except BaseException:
            self.close()
            raise

    def mask_names(self) -> None:
        """Register the loaded record's names and identifiers with the log redactor (done at
        start; call again after a record reloaded at unlock is attached)."""
        values = getattr(self.verification.record, "sensitive_values", None)
        if self._masked or values is None:
            return
        self._masked = tuple(values())
        for value in self._masked:
            REDACTOR.add_literal(value)

    def _on_vault_locked(self, event: VaultLocked) -> None:
        self.close()

    def close(self) -> None:
        """The record is no longer loaded: its values leave the log redactor (idempotent)."""
        masked, self._masked = self._masked, ()
        for value in masked:
            REDACTOR.remove_literal(value)

    def __enter__(self) -> VerificationSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def patient(self) -> str:
        return self.verification.record.id

    @property
    def status(self) -> Status:
        return self.verification.status

    @property
    def groups(self) -> frozenset[str]:
        return frozenset() if self.broken else self.verification.groups

    def may_show(self, group: str) -> bool:
        return group in self.groups

    # --- steps ----------------------------------------------------------------------------

    def answer(self, identifier: str, typed: str) -> AnswerResult:
        self._check_usable()
        result = self.verification.answer(identifier, typed)
        self._flush()
        return result

    def escalate(self, reason: str = "agent_escalated") -> None:
        self._check_usable()
        self.verification.escalate(reason)
        self._flush()

    @contextmanager
    def reveal(self, group: str) -> Iterator[dict[str, Any]]:
        """``with session.reveal("medications"):`` show that group; audited before the body runs."""
        if not self.may_show(group):
            self._record("phi.reveal", "denied", {"group": group, "reason": "not_in_scope"})
            raise NotAllowed(f"the {group} field group may not be shown to this caller",
                             "Only the groups listed as allowed for this verification can be opened.")
        with ExitStack() as stack:
            try:
                event = stack.enter_context(self.recorder.guard(
                    "phi.reveal", patient=self.patient, call_id=self.call_id,
                    detail={"group": group, "caller_type": self.verification.caller_type.name}))
            except Exception:
                self.broken = True  # not audited: this session shows nothing more
                raise
            yield event

    def record_consent(self, **fields: Any) -> tuple[PendingConsent, int]:
        """A verified patient's verbal consent: audited, then queued in the vault for the directory."""
        self._check_usable()
        try:
            consent = self.verification.record_consent(**fields)
        finally:
            self._flush()
        body = json.dumps(pending_consent_json(consent), ensure_ascii=False)
        now = self.clock()

        def store(conn: Any) -> int:
            cur = conn.execute("INSERT INTO pending_consents (patient, body, created_at) VALUES (?, ?, ?)",
                               (consent.patient_id, body, now))
            return int(cur.lastrowid)

        return consent, int(self.vault.transaction(store).result(VAULT_TIMEOUT))

    def request_access(self, *, groups: Iterable[str], delivery: str) -> AccessRequest:
        """A right-of-access request: an audit event (synced to the server) and a local row."""
        self._check_usable()
        try:
            request = self.verification.request_access(groups=groups, delivery=delivery)
        finally:
            events = self._flush()
        event_id = events[-1]["id"] if events else ""
        row = (uuid.uuid4().hex, request.patient_id, ",".join(sorted(request.groups)), request.delivery,
               request.requested_on.isoformat(), request.due_on.isoformat(), event_id)
        self.vault.transaction(lambda conn: conn.execute(
            "INSERT INTO access_requests (id, patient, groups, delivery, requested_on, due_on, event_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", row)).result(VAULT_TIMEOUT)
        return request

    # --- internals --------------------------------------------------------------------------

    def _check_usable(self) -> None:
        if self.broken:
            raise NotAllowed("this verification could not be audited and was stopped",
                             "Check the vault (it may be locked or full) and start again.")

    def _record(self, action: str, outcome: str, detail: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return self.recorder.record(action, patient=self.patient, call_id=self.call_id,
                                        outcome=outcome, detail=detail)
        except Exception:
            self.broken = True  # an un-audited verification never shows anything
            raise

    def _flush(self) -> list[dict[str, Any]]:
        """Record the engine's new steps, in order; on a failed verification, count it."""
        events = []
        steps = self.verification.steps
        while self._recorded < len(steps):
            step = steps[self._recorded]
            events.append(self._record(step.action, step.outcome, step.detail))
            self._recorded += 1
            if step.action == "verify.fail":
                self._failed(str(step.detail.get("reason", "")))
        return events

    def _failed(self, reason: str) -> None:
        if self.lockouts is not None and self.call_id:
            self.lockouts.lock(self.call_id, self.patient)
        now = self.clock()
        since = now - self.flag_window_hours * 3600

        def remember(conn: Any) -> int:
            purge_failures_before(conn, since)  # history older than the window is not kept
            conn.execute("INSERT INTO verify_failures (patient, call_id, reason, at) VALUES (?, ?, ?, ?)",
                         (self.patient, self.call_id, reason, now))
            # failures on distinct calls within the window (one lockout per call counts once)
            row = conn.execute("SELECT COUNT(DISTINCT COALESCE(call_id, id)) FROM verify_failures"
                               " WHERE patient = ? AND at > ?", (self.patient, since)).fetchone()
            return int(row[0])

        count = int(self.vault.transaction(remember).result(VAULT_TIMEOUT))
        if count >= self.flag_after_failures:
            self.flagged = True
            self._record("verify.flag", "denied", {"flag": "social_engineering", "failures_in_window": count,
                                                   "window_hours": self.flag_window_hours})
            self.bus.publish(SocialEngineeringFlag(self.patient, self.call_id, count, self.flag_window_hours))


def pending_consent_json(consent: PendingConsent) -> dict[str, Any]:
    """The stored form of a pending consent (the directory turns it into a FHIR Consent)."""
    return {"patient_id": consent.patient_id, "relationship": consent.relationship,
            "scope": sorted(consent.scope), "expires": consent.expires.isoformat(),
            "given": list(consent.given), "family": list(consent.family), "phone": consent.phone,
            "recorded_on": consent.recorded_on.isoformat()}


def pending_consent_from_json(raw: Mapping[str, Any]) -> PendingConsent:
    return PendingConsent(str(raw["patient_id"]), str(raw["relationship"]), frozenset(raw["scope"]),
                          dt.date.fromisoformat(raw["expires"]), tuple(raw["given"]), tuple(raw["family"]),
                          raw.get("phone"), dt.date.fromisoformat(raw["recorded_on"]))


def purge_failures_before(conn: Any, before: float) -> int:
    """Drop failure history from before ``before`` (older than the flag window)."""
    return int(conn.execute("DELETE FROM verify_failures WHERE at <= ?", (before,)).rowcount)


__all__ = ["CallLocked", "CallLockouts", "NotAllowed", "SocialEngineeringFlag", "VerificationService",
           "VerificationSession",
           "pending_consent_from_json", "pending_consent_json", "purge_failures_before"]


class VerificationService:
    """What the application holds: the policy's script, per-call lockouts, session factory.

    Building it loads ``verification.script``; a broken script raises
    :class:`~agent_desktop.verify.script.ScriptError` here, so no session (and no reveal)
    can exist until the script is fixed.
    """

    def __init__(self, settings: Any, recorder: Recorder, vault: VaultLike, bus: EventBus, *,
                 clock: Callable[[], float] = time.time,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        from agent_desktop.verify.script import load_configured_script

        self.script = load_configured_script(str(settings.get("verification.script")))
        self.flag_window_hours = int(settings.get("verification.flag_window_hours"))
        self.flag_after_failures = int(settings.get("verification.flag_after_failures"))
        self.recorder = recorder
        self.vault = vault
        self.bus = bus
        self.clock = clock
        self.today = today
        self.lockouts = CallLockouts()
        self._sessions: dict[str, list[VerificationSession]] = {}

    def start(self, caller_type: str, record: Any, role: str, *, call_id: str | None,
              representative: Any = None) -> VerificationSession:
        verification = Verification(self.script, caller_type, record, role, today=self.today(),
                                    representative=representative)
        session = VerificationSession(verification, self.recorder, self.vault, self.bus, call_id=call_id,
                                      flag_window_hours=self.flag_window_hours,
                                      flag_after_failures=self.flag_after_failures,
                                      lockouts=self.lockouts, clock=self.clock)
        if call_id:
            self._sessions.setdefault(call_id, []).append(session)
        return session

    def end_call(self, call_id: str) -> None:
        """The call is over: its lockouts end and its sessions' records leave the redactor."""
        self.lockouts.end_call(call_id)
        for session in self._sessions.pop(call_id, []):
            session.close()
