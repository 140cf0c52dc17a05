"""FHIR R4 resources -> display-ready rows of labelled fields, one function per field group.

Labels come from a fixed English vocabulary (the screen translates them); values keep the
directory's own text, so a Spanish-speaking patient's instructions stay in Spanish. What
the screen must write in its own language (dates, amounts, quantities, counts, codes such
as a status) is a structured :class:`Value`: its ``text`` is the English form (logs aside:
the CLI, tests), and ``ui/`` formats it for the interface language. A resource missing what
its row needs, or holding the wrong type, raises
:class:`~agent_desktop.directory.fhir.FhirFormatError` naming the resource and field, never
a value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agent_desktop.directory.fhir import FhirFormatError

Resource = Mapping[str, Any]
Resources = Mapping[str, Sequence[Resource]]  # resource type -> the patient's resources


class Value:
    """A field value the screen writes in its own language; ``text`` is the English form.
    PHI: its repr names the type only."""

    @property
    def text(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(...)"


@dataclass(frozen=True, repr=False)
class When(Value):
    """A date, or a date and time as the directory wrote it (its wall clock, minutes at most)."""

    value: dt.date | dt.datetime

    @property
    def text(self) -> str:
        return self.value.strftime("%Y-%m-%d %H:%M") if isinstance(self.value, dt.datetime) \
            else self.value.isoformat()


@dataclass(frozen=True, repr=False)
class Money(Value):
    amount: float
    currency: str  # ISO 4217

    @property
    def text(self) -> str:
        return _money(self.amount, self.currency)


@dataclass(frozen=True, repr=False)
class Quantity(Value):
    """A measured number and its unit (the unit as the directory wrote it: UCUM)."""

    number: float
    unit: str

    @property
    def text(self) -> str:
        return f"{_number(self.number)} {self.unit}".strip()


@dataclass(frozen=True, repr=False)
class Bounds(Value):
    """A reference range: both ends, or only one (``below``/``above``)."""

    low: float | None
    high: float | None
    unit: str

    @property
    def text(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{_number(self.low)}-{_number(self.high)} {self.unit}".strip()
        if self.high is not None:
            return f"below {_number(self.high)} {self.unit}".strip()
        return f"above {_number(self.low or 0.0)} {self.unit}".strip()


@dataclass(frozen=True, repr=False)
class Term(Value):
    """A code of a fixed vocabulary (``appointment`` status, lab ``flag``, ``language``,
    ``gender``, contact ``use``, a resource's ``status``): words on screen, never the code
    when the screen knows it."""

    vocabulary: str
    code: str

    @property
    def text(self) -> str:
        return ENGLISH.get(self.vocabulary, {}).get(self.code, self.code)


@dataclass(frozen=True, repr=False)
class Refills(Value):
    count: int

    @property
    def text(self) -> str:
        return f"{self.count} refill{'s' if self.count != 1 else ''}"


FieldValue = str | Value


@dataclass(frozen=True, repr=False)
class Row:
    """One line of a group: ``label`` is from a fixed vocabulary, ``fields`` carry the PHI
    (the directory's text as ``str``, what the screen formats as a :class:`Value`)."""

    label: str
    fields: tuple[tuple[str, FieldValue], ...]

    @property
    def text(self) -> str:
        """``Next appointment: 2027-01-14 09:30, Cardiology, Dr. ...`` (empty values left out)."""
        return f"{self.label}: {', '.join(self.texts())}"

    def texts(self) -> list[str]:
        """The fields' English texts, in order."""
        return [str(v) for _, v in self.fields if str(v)]

    def value(self, name: str) -> str:
        return next((str(v) for k, v in self.fields if k == name), "")

    def __repr__(self) -> str:  # never the values
        return f"Row(label={self.label!r}, fields={len(self.fields)})"


def _row(label: str, *fields: tuple[str, FieldValue | None]) -> Row:
    return Row(label, tuple((k, v) for k, v in fields if v))


class _Reader:
    """Typed access to one resource; a wrong type is a FhirFormatError naming the field."""

    def __init__(self, resource: Resource, where: str | None = None) -> None:
        self.r = resource
        self.where = where or f"{resource.get('resourceType', 'resource')}/{resource.get('id', '?')}"

    def part(self, path: str) -> _Reader | None:
        """A reader over a nested element (the first one when it repeats), for its own fields."""
        node = self.get(path, (Mapping, list))
        if isinstance(node, list):
            node = node[0] if node else None
        if node is not None and not isinstance(node, Mapping):
            raise self.fail(path, "has the wrong structure")
        return None if node is None else _Reader(node, f"{self.where}: {path}")

    def parts(self, path: str) -> list[_Reader]:
        items = self.get(path, list) or []
        if not all(isinstance(i, Mapping) for i in items):
            raise self.fail(path, "has the wrong structure")
        return [_Reader(i, f"{self.where}: {path}") for i in items]

    def fail(self, path: str, problem: str) -> FhirFormatError:
        return FhirFormatError(f"{self.where}: {path} {problem}")

    def get(self, path: str, kind: type | tuple[type, ...] = str, required: bool = False) -> Any:
        node: Any = self.r
        for part in path.split("."):
            if isinstance(node, list):  # the first element of a repeating element
                node = node[0] if node else None
            if node is None:
                break
            if not isinstance(node, Mapping):
                raise self.fail(path, "has the wrong structure")
            node = node.get(part)
        if isinstance(node, list) and not (kind is list or isinstance(kind, tuple) and list in kind):
            node = node[0] if node else None
        if node is None:
            if required:
                raise self.fail(path, "is missing")
            return None
        if not isinstance(node, kind) or (isinstance(node, bool) and kind is not bool):
            raise self.fail(path, "has the wrong type")
        return node

    def concept(self, path: str, required: bool = False) -> str | None:
        """A CodeableConcept's text, else its first coding's display or code."""
        text = self.get(f"{path}.text") or self.get(f"{path}.coding.display") or self.get(f"{path}.coding.code")
        if required and not text:
            raise self.fail(path, "has no text or coding")
        return str(text) if text else None

    def status(self, vocabulary: str, path: str, required: bool = False) -> Term | None:
        """A code of a fixed vocabulary (a resource's ``status``)."""
        code = self.get(path, required=required)
        return Term(vocabulary, code) if code else None

    def concept_status(self, vocabulary: str, path: str) -> FieldValue | None:
        """A CodeableConcept status (``clinicalStatus``): the directory's text when it wrote
        one, else its code as a :class:`Term`."""
        text = self.get(f"{path}.text") or self.get(f"{path}.coding.display")
        if text:
            return str(text)
        code = self.get(f"{path}.coding.code")
        return Term(vocabulary, code) if code else None

    def when(self, path: str, required: bool = False) -> When | None:
        """A FHIR date or dateTime as the directory wrote it (its local time), minutes at most."""
        value = self._parsed(path, required)
        if value is None:
            return None
        return When(value.replace(second=0, microsecond=0) if isinstance(value, dt.datetime) else value)

    def moment(self, path: str) -> dt.datetime | None:
        """The instant (a date is its midnight; no offset is read as UTC)."""
        value = self._parsed(path)
        if value is None:
            return None
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

    def _parsed(self, path: str, required: bool = False) -> dt.date | dt.datetime | None:
        value = self.get(path, required=required)
        if value is None:
            return None
        try:
            if len(value) <= 10:
                return dt.date.fromisoformat(value)
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(path, "is not a date") from None

    def number(self, path: str, required: bool = False) -> float | None:
        value = self.get(path, (int, float), required)
        return None if value is None else float(value)

    def money(self, path: str) -> Money | None:
        value = self.number(f"{path}.value")
        return None if value is None else Money(value, self.get(f"{path}.currency") or "USD")


def _money(value: float, currency: str) -> str:
    return f"${value:,.2f}" if currency == "USD" else f"{value:,.2f} {currency}"


def _number(value: float) -> str:
    return f"{value:g}"


def _each(resources: Resources, rtype: str) -> list[_Reader]:
    return [_Reader(r) for r in resources.get(rtype, ())]


LANGUAGES = {"en": "English", "es": "Spanish"}
STATUS = {"booked": "booked", "fulfilled": "attended", "noshow": "no-show", "cancelled": "cancelled",
          "arrived": "arrived", "checked-in": "checked in", "pending": "pending", "proposed": "proposed"}
FLAGS = {"H": "high", "HH": "critical high", "L": "low", "LL": "critical low", "N": "normal", "A": "abnormal"}
# English words of the vocabularies a Term names (a code not listed shows as written)
ENGLISH: dict[str, dict[str, str]] = {"appointment": STATUS, "flag": FLAGS, "language": LANGUAGES}


def demographics(resources: Resources, now: float | None = None) -> list[Row]:
    rows = []
    for p in _each(resources, "Patient"):
        line = p.get("address.line")
        place = " ".join(x for x in (p.get("address.city"), p.get("address.state"), p.get("address.postalCode")) if x)
        if line or place:
            rows.append(_row("Address", ("Address", ", ".join(x for x in (line, place) if x))))
        for t in p.parts("telecom"):
            label = {"phone": "Phone", "email": "Email", "sms": "Phone"}.get(str(t.get("system")), "Contact")
            use = t.get("use")
            rows.append(_row(label, (label, t.get("value")), ("Use", Term("use", use) if use else None)))
        language = p.get("communication.language.coding.code")
        if language:
            rows.append(_row("Preferred language", ("Language", Term("language", language.split("-")[0]))))
        gender = p.get("gender")
        rows.append(_row("Gender", ("Gender", Term("gender", gender) if gender else None)))
    return [r for r in rows if r.fields]


def appointments(resources: Resources, now: float | None = None) -> list[Row]:
    """Upcoming first (soonest first: the next, then the rest), then the past (latest first).

    An appointment is past once it is fulfilled or missed, or when its start is before
    ``now`` (the clock's seconds; a directory may leave a past visit ``booked``).
    """
    timed = []
    for a in _each(resources, "Appointment"):
        status = a.get("status", required=True)
        start = a.moment("start")
        timed.append((start.timestamp() if start else None, a, status))
    timed.sort(key=lambda t: (t[0] is None, t[0] or 0.0))  # proposed ones (no start yet) last
    upcoming: list[tuple[_Reader, str]] = []
    past: list[tuple[_Reader, str]] = []
    for ts, a, status in timed:
        gone = status in ("fulfilled", "noshow") or (ts is not None and now is not None and ts < now)
        (past if gone else upcoming).append((a, status))
    rows, next_found = [], False
    for a, status in upcoming:
        label = "Cancelled appointment" if status == "cancelled" else \
            "Upcoming appointment" if next_found else "Next appointment"
        next_found = next_found or label == "Next appointment"
        rows.append(_appointment_row(label, a, status))
    for a, status in reversed(past):
        label = {"cancelled": "Cancelled appointment", "noshow": "Missed appointment"}.get(status, "Past appointment")
        rows.append(_appointment_row(label, a, status))
    return rows


def _appointment_row(label: str, a: _Reader, status: str) -> Row:
    who, where = _participants(a)
    return _row(label, ("When", a.when("start")), ("Service", a.concept("serviceType")), ("With", who),
                ("Where", where), ("Reason", a.get("description")), ("Status", Term("appointment", status)))


def _participants(a: _Reader) -> tuple[str | None, str | None]:
    """The practitioner and the place: by reference type, else in order (display-only actors)."""
    people: list[str] = []
    places: list[str] = []
    for p in a.parts("participant"):
        actor = p.part("actor")
        name = actor.get("display") if actor else None
        ref = str(actor.get("reference") or "") if actor else ""
        if not name or ref.startswith("Patient/"):
            continue
        if ref.startswith("Location/") or (not ref and people):
            places.append(name)
        else:
            people.append(name)
    return (people[0] if people else None), (", ".join(places) or None)


def medications(resources: Resources, now: float | None = None) -> list[Row]:
    readers = _each(resources, "MedicationRequest")
    readers.sort(key=lambda m: (m.get("status", required=True) != "active", str(m.get("authoredOn") or "")))
    return [_row("Medication", ("Drug", m.concept("medicationCodeableConcept", required=True)),
                 ("Instructions", m.get("dosageInstruction.text")), ("Status", m.status("medication", "status")),
                 ("Prescriber", m.get("requester.display")), ("Prescribed", m.when("authoredOn")),
                 ("Refills", _refills(m)))
            for m in readers]


def _refills(m: _Reader) -> Refills | None:
    count = m.get("dispenseRequest.numberOfRepeatsAllowed", int)
    return None if count is None else Refills(count)


def lab_results(resources: Resources, now: float | None = None) -> list[Row]:
    readers = _each(resources, "Observation")
    readers.sort(key=lambda o: o.concept("code", required=True) or "")
    readers.sort(key=lambda o: str(o.get("effectiveDateTime") or ""), reverse=True)  # newest first
    return [_row("Lab result", ("Test", o.concept("code")), ("Result", _result(o)),
                 ("Flag", _flag(o)), ("Reference range", _range(o)), ("Date", o.when("effectiveDateTime")),
                 ("Status", o.status("observation", "status")))
            for o in readers]


def _flag(o: _Reader) -> Term | None:
    code = str(o.get("interpretation.coding.code"))
    return Term("flag", code) if code in FLAGS else None


def _result(o: _Reader) -> FieldValue:
    value = o.number("valueQuantity.value")
    if value is not None:
        return Quantity(value, str(o.get("valueQuantity.unit") or ""))
    text = o.get("valueString") or o.concept("valueCodeableConcept")
    if text is None:
        raise o.fail("value[x]", "is missing")
    return str(text)


def _range(o: _Reader) -> FieldValue | None:
    low, high = o.number("referenceRange.low.value"), o.number("referenceRange.high.value")
    unit = o.get("referenceRange.high.unit") or o.get("referenceRange.low.unit") or ""
    if low is not None or high is not None:
        return Bounds(low, high, str(unit))
    text = o.get("referenceRange.text")
    return str(text) if text else None


def care_plan(resources: Resources, now: float | None = None) -> list[Row]:
    rows = []
    for c in _each(resources, "CarePlan"):
        rows.append(_row("Care plan", ("Plan", c.get("title") or c.get("description")),
                         ("Status", c.status("careplan", "status", required=True)), ("Since", c.when("period.start")),
                         ("Author", c.get("author.display"))))
        rows += [_row("Goal", ("Goal", note.get("text"))) for note in c.parts("note")]
        for activity in c.parts("activity"):
            detail = activity.part("detail")
            if detail is not None:
                rows.append(_row("Activity", ("Activity", detail.get("description") or detail.concept("code")),
                                 ("Status", detail.status("activity", "status"))))
    for d in _each(resources, "Condition"):
        icd = next((c.get("code") for c in d.parts("code.coding") if "icd-10" in str(c.get("system"))), None)
        rows.append(_row("Condition", ("Condition", d.concept("code", required=True)), ("ICD-10", icd),
                         ("Status", d.concept_status("condition", "clinicalStatus")), ("Since", d.when("onsetDateTime"))))
    return rows


def billing(resources: Resources, now: float | None = None) -> list[Row]:
    rows = []
    for c in _each(resources, "Coverage"):
        copay = c.part("costToBeneficiary")
        rows.append(_row("Coverage", ("Payer", c.get("payor.display")), ("Plan", c.get("class.name")),
                         ("Member ID", c.get("subscriberId")), ("Group", c.get("class.value")),
                         ("Copay", copay.money("valueMoney") if copay else None),
                         ("Since", c.when("period.start")), ("Status", c.status("coverage", "status", required=True))))
    claims = _each(resources, "ExplanationOfBenefit")
    claims.sort(key=lambda e: str(e.get("created") or ""), reverse=True)
    for e in claims:
        totals = {t.get("category.coding.code"): t.money("amount") for t in e.parts("total")}
        rows.append(_row("Claim", ("Date", e.when("created", required=True)),
                         ("Service", e.concept("item.productOrService")), ("Provider", e.get("provider.display")),
                         ("Billed", totals.get("submitted")), ("Plan paid", totals.get("benefit")),
                         ("Copay", totals.get("copay")), ("Claim number", e.get("identifier.value")),
                         ("Status", e.status("claim", "outcome"))))
    return rows


# group -> rows; ``now`` (the clock's seconds) tells what is past (appointments)
FORMATTERS: dict[str, Callable[[Resources, float | None], list[Row]]] = {
    "demographics": demographics, "appointments": appointments, "medications": medications,
    "lab_results": lab_results, "care_plan": care_plan, "billing": billing,
}
