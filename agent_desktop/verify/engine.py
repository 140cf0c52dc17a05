"""The verification state machine: pure, deterministic, no I/O.

``Verification(script, caller_type, record, role, today=...)`` starts a verification; the
agent reads :attr:`prompt` aloud and types the answer into :meth:`answer`. It ends in
VERIFIED (with the field groups that may be shown), FAILED (with a reason) or ESCALATED.
Each step appends a :class:`Step` (an audit-ready action, outcome and PHI-free detail: the
identifier *type* and the result, never what was said) that the session layer records.
The PHI view asks :meth:`may_show`; it never decides itself.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from agent_desktop.errors import AgentDesktopError
from agent_desktop.verify import matchers
from agent_desktop.verify.matchers import Match, Result
from agent_desktop.verify.record import PatientRecord, Person, Representative
from agent_desktop.verify.script import FIELD_GROUPS, CallerType, Requirement, Script, Text

ACCESS_DELIVERY = ("mail", "portal", "email", "pickup", "fax")
ACCESS_DUE_DAYS = 30  # HIPAA right of access: act on a request within 30 days
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class VerifyError(AgentDesktopError):
    """The engine was used wrongly (unknown caller type or role, an answer not asked for)."""


class Status(enum.StrEnum):
    ASKING = "asking"
    VERIFIED = "verified"
    FAILED = "failed"
    ESCALATED = "escalated"


@dataclass(frozen=True)
class Prompt:
    """What to ask next. ``stage`` is "patient" (about the patient) or "caller" (about the
    caller themselves); the agent may ask any of ``identifiers``, ``needed`` more of them."""

    stage: str
    identifiers: tuple[str, ...]
    needed: int
    texts: dict[str, Text]

    def text(self, identifier: str, language: str = "en") -> str:
        return self.texts[identifier].get(language)


@dataclass(frozen=True)
class Step:
    """One audit-worthy step; ``detail`` is PHI-free by construction."""

    action: str
    outcome: str  # success, failure or denied (the audit event's outcomes)
    detail: dict[str, Any]


@dataclass(frozen=True)
class AnswerResult:
    result: Result
    # for ASK_AGAIN: a problem code and the format expected, to show the agent
    problem: str = ""
    expected: str = ""
    status: Status = Status.ASKING


@dataclass(frozen=True)
class PendingConsent:
    """A verbal consent given by a verified patient, waiting to reach the directory."""

    patient_id: str
    relationship: str
    scope: frozenset[str]
    expires: dt.date
    given: tuple[str, ...]
    family: tuple[str, ...]
    phone: str | None
    recorded_on: dt.date


@dataclass(frozen=True)
class AccessRequest:
    """A right-of-access request (a copy of the patient's records)."""

    patient_id: str
    groups: frozenset[str]
    delivery: str
    requested_on: dt.date
    due_on: dt.date
    by_representative: bool


@dataclass
class _Stage:
    name: str
    requirement: Requirement
    person: Person
    matched: set[str] = field(default_factory=set)
    exhausted: set[str] = field(default_factory=set)

    def open_all(self) -> tuple[str, ...]:
        return tuple(i for i in self.requirement.all if i not in self.matched)

    def any_matched(self) -> int:
        return len(self.matched & set(self.requirement.any))

    def any_needed(self) -> int:
        return max(0, self.requirement.any_count - self.any_matched())

    def any_options(self) -> tuple[str, ...]:
        return tuple(i for i in self.requirement.any
                     if i not in self.matched and i not in self.exhausted and self.person.has(i))

    def complete(self) -> bool:
        return not self.open_all() and self.any_needed() == 0


class Verification:
    def __init__(self, script: Script, caller_type: str, record: PatientRecord, role: str, *,
                 today: dt.date, representative: Representative | None = None) -> None:
        if caller_type not in script.caller_types:
            raise VerifyError(f"unknown caller type {caller_type!r}",
                              f"Use one of: {', '.join(script.caller_types)}.")
        if role not in script.roles:
            raise VerifyError(f"role {role!r} is not in the verification script",
                              f"Roles in the script: {', '.join(script.roles)}.")
        self.script = script
        self.caller_type: CallerType = script.caller_types[caller_type]
        self.record = record
        self.role = role
        self.today = today
        self.status = Status.ASKING
        self.reason = ""
        self.steps: list[Step] = []
        self.representative: Representative | None = None
        self._stages: list[_Stage] = []
        self._failures: dict[tuple[str, str], int] = {}
        self._total_failures = 0
        self._groups: frozenset[str] = frozenset()
        self._start(representative)

    # --- public state -----------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.status is not Status.ASKING

    @property
    def groups(self) -> frozenset[str]:
        """Field groups that may be shown: empty unless VERIFIED."""
        return self._groups if self.status is Status.VERIFIED else frozenset()

    def may_show(self, group: str) -> bool:
        return group in self.groups

    @property
    def failures(self) -> int:
        return self._total_failures

    @property
    def prompt(self) -> Prompt | None:
        if self.finished:
            return None
        stage = self._stages[0]
        spec_text = self._text_for(stage)
        open_all = stage.open_all()
        if open_all:
            return Prompt(stage.name, open_all, len(open_all), {i: spec_text(i) for i in open_all})
        options = stage.any_options()
        return Prompt(stage.name, options, stage.any_needed(), {i: spec_text(i) for i in options})

    def outcome(self) -> dict[str, Any]:
        """A PHI-free summary: status, reason, groups, each step's result."""
        return {
            "status": str(self.status),
            "reason": self.reason,
            "caller_type": self.caller_type.name,
            "role": self.role,
            "groups": sorted(self.groups),
            "failures": self._total_failures,
            "steps": [{"action": s.action, "outcome": s.outcome, **s.detail} for s in self.steps],
        }

    # --- transitions ------------------------------------------------------------------------

    def answer(self, identifier: str, typed: str) -> AnswerResult:
        """Compare what the agent typed for ``identifier`` with the record."""
        prompt = self.prompt
        if prompt is None:
            raise VerifyError(f"verification already ended ({self.status})",
                              "Start a new verification to ask again.")
        if identifier not in prompt.identifiers:
            raise VerifyError(f"{identifier!r} is not being asked now",
                              f"Ask one of: {', '.join(prompt.identifiers)}.")
        stage = self._stages[0]
        match = self._match(identifier, typed, stage.person)
        key = (stage.name, identifier)
        attempt = self._failures.get(key, 0) + 1
        detail: dict[str, Any] = {"stage": stage.name, "identifier": identifier,
                                  "result": str(match.result), "attempt": attempt}
        if match.result is Result.ASK_AGAIN:
            detail["problem"] = match.problem
            self._step("verify.answer", "failure", detail)
            return AnswerResult(match.result, match.problem, match.expected, self.status)
        if match.ok:
            stage.matched.add(identifier)
            self._step("verify.answer", "success", detail)
            self._advance()
        else:
            self._failures[key] = attempt
            self._total_failures += 1
            self._step("verify.answer", "failure", detail)
            self._after_miss(stage, identifier, attempt)
        return AnswerResult(match.result, status=self.status)

    def escalate(self, reason: str = "agent_escalated") -> None:
        """The agent hands the call to a team lead; nothing is shown."""
        if self.finished:
            raise VerifyError(f"verification already ended ({self.status})")
        self._end(Status.ESCALATED, _code(reason))

    def record_consent(self, *, relationship: str, scope: Iterable[str], expires: dt.date,
                       given: Iterable[str], family: Iterable[str],
                       phone: str | None = None) -> PendingConsent:
        """A verified patient authorises someone; stored as pending until the directory has it."""
        if self.status is not Status.VERIFIED or not self.caller_type.may_record_consent:
            self._step("verify.consent_record", "denied", {"reason": "not_verified_patient"})
            raise VerifyError("only a verified patient can give consent",
                              "Verify the caller as the patient first.")
        groups = frozenset(scope)
        unknown = groups - set(FIELD_GROUPS)
        if unknown or not groups:
            raise VerifyError("consent scope must name field groups",
                              f"Choose from: {', '.join(FIELD_GROUPS)}.")
        if not _CODE_RE.match(relationship):
            raise VerifyError("relationship must be a code such as spouse, child, caregiver")
        if expires <= self.today:
            raise VerifyError("consent must expire after today", "Choose a later expiry date.")
        given_t, family_t = tuple(given), tuple(family)
        if not given_t or not family_t:
            raise VerifyError("the authorised person's given name and surname are needed")
        consent = PendingConsent(self.record.id, relationship, groups, expires, given_t, family_t,
                                 phone, self.today)
        self._step("verify.consent_record", "success",
                   {"relationship": relationship, "scope": sorted(groups),
                    "expires_in_days": (expires - self.today).days})
        return consent

    def request_access(self, *, groups: Iterable[str], delivery: str) -> AccessRequest:
        """A verified patient (or personal representative) asks for a copy of their records."""
        if self.status is not Status.VERIFIED or not self.caller_type.may_request_access:
            self._step("records.access_request", "denied", {"reason": "not_allowed_for_caller"})
            raise VerifyError("this caller cannot request a copy of the records",
                              "Only a verified patient or personal representative can.")
        wanted = frozenset(groups)
        if not wanted or wanted - set(FIELD_GROUPS):
            raise VerifyError("name the field groups requested", f"Choose from: {', '.join(FIELD_GROUPS)}.")
        if delivery not in ACCESS_DELIVERY:
            raise VerifyError(f"unknown delivery {delivery!r}", f"Choose from: {', '.join(ACCESS_DELIVERY)}.")
        request = AccessRequest(self.record.id, wanted, delivery, self.today,
                                self.today + dt.timedelta(days=ACCESS_DUE_DAYS),
                                self.representative is not None)
        self._step("records.access_request", "success",
                   {"groups": sorted(wanted), "delivery": delivery, "due_days": ACCESS_DUE_DAYS,
                    "by_representative": request.by_representative})
        return request

    # --- internals --------------------------------------------------------------------------

    def _start(self, representative: Representative | None) -> None:
        ct = self.caller_type
        start: dict[str, Any] = {"caller_type": ct.name, "kind": ct.kind, "role": self.role,
                                 "script": self.script.name, "script_version": self.script.version}
        if ct.kind == "representative" and representative is not None:
            listed = self.record.representative(representative.id)
            start["representative_listed"] = listed is not None
            if listed is not None:
                start["relationship"] = listed.authorization.relationship
        self._step("verify.start", "success", start)
        if ct.kind == "escalate":
            return self._end(Status.ESCALATED, "caller_type_requires_escalation")
        age = self.record.age_on(self.today)
        if ct.patient_age != "any":
            if age is None:
                return self._end(Status.ESCALATED, "patient_age_unknown")
            is_minor = age < self.script.minor_age
            if is_minor != (ct.patient_age == "minor"):
                status = Status.ESCALATED if ct.age_mismatch == "escalate" else Status.FAILED
                return self._end(status, "patient_is_minor" if is_minor else "patient_is_not_minor")
        if ct.kind == "representative":
            if representative is None:
                raise VerifyError(f"caller type {ct.name!r} needs the representative who is calling",
                                  "Pick the caller from the patient's authorised representatives.")
            listed = self.record.representative(representative.id)
            if listed is None:
                return self._end(Status.FAILED, "representative_not_on_file")
            auth = listed.authorization
            if auth.relationship not in ct.relationships:
                return self._end(Status.FAILED, "relationship_not_allowed")
            if auth.status == "inactive":
                return self._end(Status.FAILED, "consent_revoked")
            if auth.status == "proposed":
                return self._end(Status.FAILED, "consent_pending")
            if auth.status == "missing":
                return self._end(Status.FAILED, "no_consent_on_file")
            if not auth.valid_on(self.today):
                return self._end(Status.FAILED, "consent_expired")
            self.representative = listed
        if ct.patient_identifiers is not None:
            self._stages.append(_Stage("patient", ct.patient_identifiers, self.record.person))
        if ct.caller_identifiers is not None:
            person = self.representative.person if self.representative else self.record.person
            self._stages.append(_Stage("caller", ct.caller_identifiers, person))
        self._advance()

    def _text_for(self, stage: _Stage) -> Callable[[str], Text]:
        about_patient = stage.name == "patient"

        def text(identifier: str) -> Text:
            spec = self.script.identifiers[identifier]
            return (spec.patient_prompt or spec.prompt) if about_patient else spec.prompt

        return text

    def _match(self, identifier: str, typed: str, person: Person) -> Match:
        if identifier == "full_name":
            return matchers.match_name(typed, person.given, person.family, self.script.name_rule)
        if identifier == "date_of_birth":
            assert person.birth_date is not None  # only asked when on file
            return matchers.match_date(typed, person.birth_date)
        value = getattr(person, identifier)
        return matchers.TEXT_MATCHERS[identifier](typed, str(value))

    def _after_miss(self, stage: _Stage, identifier: str, attempt: int) -> None:
        if self._total_failures >= self.caller_type.max_failures:
            return self._end(Status.FAILED, "too_many_failures")
        if attempt >= self.script.identifiers[identifier].attempts:
            stage.exhausted.add(identifier)
            if identifier in stage.requirement.all:
                return self._end(Status.FAILED, "identifier_attempts_exhausted")
            if len(stage.any_options()) < stage.any_needed():
                return self._end(Status.FAILED, "no_identifiers_left")

    def _advance(self) -> None:
        while self._stages and self._stages[0].complete():
            self._stages.pop(0)
        if not self._stages:
            return self._verified()
        stage = self._stages[0]
        missing = [i for i in stage.requirement.all if not stage.person.has(i)]
        if missing:
            return self._end(Status.ESCALATED, "identifier_not_on_file")
        if len(stage.any_options()) < stage.any_needed():
            return self._end(Status.ESCALATED, "not_enough_identifiers_on_file")

    def _verified(self) -> None:
        groups = self.caller_type.groups & self.script.roles[self.role]
        if self.representative is not None:
            groups &= self.representative.authorization.scope
        self._groups = frozenset(groups)
        self.status = Status.VERIFIED
        self._step("verify.pass", "success", {"caller_type": self.caller_type.name,
                                               "groups": sorted(self._groups),
                                               "failures": self._total_failures})

    def _end(self, status: Status, reason: str) -> None:
        self.status = status
        self.reason = reason
        action = "verify.fail" if status is Status.FAILED else "verify.escalate"
        self._step(action, "failure" if status is Status.FAILED else "denied",
                   {"caller_type": self.caller_type.name, "reason": reason,
                    "failures": self._total_failures})

    def _step(self, action: str, outcome: str, detail: dict[str, Any]) -> None:
        self.steps.append(Step(action, outcome, detail))


def _code(reason: str) -> str:
    if not _CODE_RE.match(reason):
        raise VerifyError("an escalation reason is a short code such as agent_escalated",
                          "Use lowercase letters, digits and underscores.")
    return reason
