"""Validation of a ``POST /fhir/Consent`` body: every shape the handler relies on is checked
first, so malformed input gets 400 and nothing is stored (never a 500, never a consent whose
``period`` is a string).

``parse_consent_body`` bounds the JSON nesting before the handler walks it;
``consent_problem`` returns what is wrong in words, or None.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

MAX_DEPTH = 16  # a Consent with contained RelatedPersons nests about 8 deep
_ID_RE = re.compile(r"[A-Za-z0-9\-.]{1,64}\Z")


class BadConsent(ValueError):
    """The body cannot be a Consent; the message is safe to show (no values)."""


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of parsed JSON, iteratively (no recursion to exhaust)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def parse_consent_body(raw: bytes) -> Any:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nesting json cannot parse
        raise BadConsent("the body is not JSON") from None
    if _depth(body, MAX_DEPTH) > MAX_DEPTH:
        raise BadConsent(f"the body nests deeper than {MAX_DEPTH} levels")
    return body


def _reference(value: Any) -> str | None:
    """``value["reference"]`` when value is a FHIR Reference with a string reference."""
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        return str(value["reference"])
    return None


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def consent_problem(body: Any, *, patient_exists: Callable[[str], bool],
                    related_person_exists: Callable[[str], bool]) -> str | None:
    if not isinstance(body, dict) or body.get("resourceType") != "Consent":
        return "expected a Consent resource"
    if body.get("status") not in ("active", "proposed"):
        return "status must be active or proposed"
    patient = _reference(body.get("patient"))
    if patient is None or not patient.startswith("Patient/") or not _ID_RE.match(patient[8:]):
        return "patient.reference must be Patient/<id>"
    if not patient_exists(patient[8:]):
        return "patient does not exist"
    provision = body.get("provision")
    if not isinstance(provision, dict):
        return "provision must be an object"
    period = provision.get("period", {})
    if not isinstance(period, dict):
        return "provision.period must be an object with start and end dates"
    dates = {}
    for key in ("start", "end"):
        if key in period:
            dates[key] = _date(period[key])
            if dates[key] is None:
                return f"provision.period.{key} is not a date"
    start, end = dates.get("start"), dates.get("end")
    if start is not None and end is not None and end < start:
        return "provision.period ends before it starts"
    classes = provision.get("class")
    if not isinstance(classes, list) or not classes or not all(
            isinstance(c, dict) and isinstance(c.get("code"), str) and c["code"] for c in classes):
        return "provision.class must list the field groups permitted (codings with a code)"
    contained = body.get("contained", [])
    if not isinstance(contained, list):
        return "contained must be a list"
    local_ids: set[str] = set()
    for c in contained:
        if not isinstance(c, dict) or c.get("resourceType") != "RelatedPerson":
            return "only a RelatedPerson may be contained"
        if not isinstance(c.get("id"), str) or not _ID_RE.match(c["id"]) or c["id"] in local_ids:
            return "each contained RelatedPerson needs its own id"
        if _reference(c.get("patient")) != patient:
            return "the contained RelatedPerson must belong to the same patient"
        local_ids.add(c["id"])
    actors = provision.get("actor")
    if not isinstance(actors, list) or not actors:
        return "provision.actor is required (who the patient authorises)"
    for actor in actors:
        ref = _reference(actor.get("reference")) if isinstance(actor, dict) else None
        if ref is None:
            return "provision.actor.reference must be a reference"
        if ref.startswith("#"):
            if ref[1:] not in local_ids:
                return "a provision.actor reference is not contained"
        elif not ref.startswith("RelatedPerson/") or not related_person_exists(ref.split("/", 1)[1]):
            return "provision.actor must reference an existing or contained RelatedPerson"
    return None
