"""The engine's view of a patient: what the caller's answers are compared with.

It is built by the directory from FHIR resources, or read from JSON by ``verify simulate``
(the format is in docs/verification.md). Values here are PHI: they never reach an audit
event, a log or an exception message; only ``id`` (an opaque reference) does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent_desktop.errors import AgentDesktopError

AUTHORIZATION_STATUSES = ("active", "inactive", "proposed", "missing")
IDENTIFIERS = ("full_name", "date_of_birth", "zip", "member_id", "ssn_last4", "passcode", "phone")


class RecordError(AgentDesktopError):
    """A patient or representative record that cannot be used (names the field, never its value)."""


@dataclass(frozen=True)
class Person:
    """Identifiers of one person; any of them may be unknown (None / empty)."""

    given: tuple[str, ...]
    family: tuple[str, ...]
    birth_date: dt.date | None = None
    zip: str | None = None
    member_id: str | None = None
    ssn_last4: str | None = None
    passcode: str | None = None
    phone: str | None = None

    def has(self, identifier: str) -> bool:
        if identifier == "full_name":
            return bool(self.given) and bool(self.family)
        if identifier == "date_of_birth":
            return self.birth_date is not None
        return bool(getattr(self, identifier))


@dataclass(frozen=True)
class Authorization:
    """A representative's standing: relationship and the consent that scopes what they hear."""

    relationship: str
    scope: frozenset[str]
    # None: no end date on file (e.g. a court-appointed guardian); the day it stops counting.
    expires: dt.date | None = None
    # "active", "inactive" (revoked), "proposed" (pending), "missing" (no consent on file);
    # a consent that does not say it is active discloses nothing (fails closed)
    status: str = "missing"
    consent_id: str | None = None

    def valid_on(self, day: dt.date) -> bool:
        return self.status == "active" and (self.expires is None or day < self.expires)


@dataclass(frozen=True)
class Representative:
    id: str
    person: Person
    authorization: Authorization


@dataclass(frozen=True)
class PatientRecord:
    id: str
    person: Person
    representatives: tuple[Representative, ...] = field(default=())
    # preferred language for the call ("en", "es"): the prompts the agent reads aloud
    language: str | None = None

    def age_on(self, day: dt.date) -> int | None:
        born = self.person.birth_date
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def representative(self, rep_id: str) -> Representative | None:
        return next((r for r in self.representatives if r.id == rep_id), None)

    def sensitive_values(self) -> tuple[str, ...]:
        """Names and identifiers of the patient and their representatives, for the log
        redactor while the record is loaded (dates and short codes are left to its rules)."""
        values: list[str] = []
        for person in (self.person, *(r.person for r in self.representatives)):
            values += [*person.given, *person.family]
            if person.given or person.family:
                values.append(" ".join((*person.given, *person.family)))
            values += [v for v in (person.member_id, person.phone, person.passcode) if v]
        return tuple(dict.fromkeys(values))


# --- JSON form ------------------------------------------------------------------------------


def _str_list(raw: Any, where: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        return (raw,) if raw.strip() else ()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise RecordError(f"{where}: expected a string or a list of strings")
    return tuple(x for x in raw if x.strip())


def _opt_str(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{where}.{key}: expected a string")
    return value


def _opt_date(raw: Mapping[str, Any], key: str, where: str) -> dt.date | None:
    value = raw.get(key)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RecordError(f"{where}.{key}: expected a date as YYYY-MM-DD") from None


_PERSON_KEYS = {"given", "family", "birth_date", "zip", "member_id", "ssn_last4", "passcode", "phone"}


def person_from_json(raw: Any, where: str) -> Person:
    if not isinstance(raw, Mapping):
        raise RecordError(f"{where}: expected an object")
    return Person(
        given=_str_list(raw.get("given", []), f"{where}.given"),
        family=_str_list(raw.get("family", []), f"{where}.family"),
        birth_date=_opt_date(raw, "birth_date", where),
        zip=_opt_str(raw, "zip", where),
        member_id=_opt_str(raw, "member_id", where),
        ssn_last4=_opt_str(raw, "ssn_last4", where),
        passcode=_opt_str(raw, "passcode", where),
        phone=_opt_str(raw, "phone", where),
    )


def representative_from_json(raw: Any, where: str = "representative") -> Representative:
    if not isinstance(raw, Mapping):
        raise RecordError(f"{where}: expected an object")
    unknown = set(raw) - _PERSON_KEYS - {"id", "relationship", "scope", "expires", "status", "consent_id"}
    if unknown:
        raise RecordError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    rep_id = raw.get("id")
    relationship = raw.get("relationship")
    if not isinstance(rep_id, str) or not rep_id:
        raise RecordError(f"{where}.id: expected a non-empty string")
    if not isinstance(relationship, str) or not relationship:
        raise RecordError(f"{where}.relationship: expected a string such as parent, guardian, poa, family")
    status = raw.get("status", "missing")  # absent: no consent on file, nothing disclosed
    if status not in AUTHORIZATION_STATUSES:
        raise RecordError(f"{where}.status: expected one of {', '.join(AUTHORIZATION_STATUSES)}")
    return Representative(
        id=rep_id,
        person=person_from_json({k: v for k, v in raw.items() if k in _PERSON_KEYS}, where),
        authorization=Authorization(
            relationship=relationship,
            scope=frozenset(_str_list(raw.get("scope", []), f"{where}.scope")),
            expires=_opt_date(raw, "expires", where),
            status=status,
            consent_id=_opt_str(raw, "consent_id", where),
        ),
    )


def record_from_json(raw: Any) -> PatientRecord:
    """Read the engine's record type from its JSON form (see docs/verification.md)."""
    if not isinstance(raw, Mapping):
        raise RecordError("patient: expected a JSON object")
    unknown = set(raw) - _PERSON_KEYS - {"id", "representatives", "language"}
    if unknown:
        raise RecordError(f"patient: unknown key(s) {', '.join(sorted(unknown))}")
    pid = raw.get("id")
    if not isinstance(pid, str) or not pid:
        raise RecordError("patient.id: expected a non-empty opaque reference")
    reps_raw = raw.get("representatives", [])
    if not isinstance(reps_raw, list):
        raise RecordError("patient.representatives: expected a list")
    reps = tuple(representative_from_json(r, f"patient.representatives[{i}]") for i, r in enumerate(reps_raw))
    person = person_from_json({k: v for k, v in raw.items() if k in _PERSON_KEYS}, "patient")
    language = _opt_str(raw, "language", "patient")
    return PatientRecord(id=pid, person=person, representatives=reps, language=language)


def person_to_json(person: Person) -> dict[str, Any]:
    out: dict[str, Any] = {"given": list(person.given), "family": list(person.family)}
    if person.birth_date:
        out["birth_date"] = person.birth_date.isoformat()
    for key in ("zip", "member_id", "ssn_last4", "passcode", "phone"):
        value = getattr(person, key)
        if value:
            out[key] = value
    return out


def representative_to_json(rep: Representative) -> dict[str, Any]:
    auth = rep.authorization
    out = {"id": rep.id, **person_to_json(rep.person), "relationship": auth.relationship,
           "scope": sorted(auth.scope), "status": auth.status}
    if auth.expires:
        out["expires"] = auth.expires.isoformat()
    if auth.consent_id:
        out["consent_id"] = auth.consent_id
    return out


def record_to_json(record: PatientRecord) -> dict[str, Any]:
    out = {"id": record.id, **person_to_json(record.person),
           "representatives": [representative_to_json(r) for r in record.representatives]}
    if record.language:
        out["language"] = record.language
    return out
