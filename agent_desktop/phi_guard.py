"""The PHI guard for audit ``detail`` values, shared by the vault and the audit trail.

Detail carries identifier *types*, results, reasons, counts, field-group names: never what a
caller said or a value from a record. Anything that looks like one is refused. It lives
outside both packages because the vault (lower layer) checks its locked-state records with
the very rule the audit chain applies later.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from typing import Any

MAX_DETAIL_DEPTH = 3

# Detail carries identifier *types*, results, reasons, counts, field-group names: never what
# a caller said or a value from a record. Anything that looks like one is refused.
_PHI_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("a date", re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")),
    ("a date", re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b", re.I)),
    ("an SSN", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("a phone number or identifier", re.compile(r"\d[\d\s().+-]{5,}\d")),
    ("a number of 4 or more digits", re.compile(r"\b\d{4,}\b")),
    # a member or record number: letters with 4 digits (a1001), or capitals with 2 (XJ48, MB12)
    ("a member or record number", re.compile(
        r"(?<![A-Za-z0-9])(?:(?=[A-Za-z0-9]*[A-Za-z])(?:[A-Za-z]*\d){4}|(?=[A-Za-z0-9]*[A-Z])(?:[A-Za-z]*\d){2})")),
    ("an e-mail address", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    ("a SIP/tel address", re.compile(r"\b(sips?|tel):", re.I)),
    # detail values are single codes (not_in_scope); two words may be a name (Jane Doe)
    ("free text or a name", re.compile(r"\S\s+\S")),
]
# a patient reference made of digits and separators only that has the shape of a date or
# the digit count of an SSN or a phone number (9 to 11) is a value, not an opaque reference
_NUMERIC_REF = re.compile(r"[\d\-._:]+\Z")
_DATE_REF = re.compile(r"(?:\d{1,4}[-./:_]\d{1,2}[-./:_]\d{1,4}|(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))\Z")


def patient_ref_problem(value: str) -> str | None:
    """Why a syntactically valid ``patient`` reference is in fact a date or a number, or None."""
    if not _NUMERIC_REF.match(value):
        return None
    if _DATE_REF.match(value):
        return "patient: looks like a date; expected an opaque reference such as a FHIR id"
    digits = sum(c.isdigit() for c in value)
    if 9 <= digits <= 11:
        return "patient: looks like a phone number or SSN; expected an opaque reference such as a FHIR id"
    return None
_SAFE_DETAIL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}\Z")


def detail_problem(detail: Any, path: str = "detail", depth: int = 0) -> str | None:
    """Return why ``detail`` may carry PHI or is malformed, or None when it is clean."""
    found = _detail_problem(detail, depth)
    return None if found is None else f"{path}{found[0]}: {found[1]}"


def _detail_problem(detail: Any, depth: int) -> tuple[str, str] | None:
    # (path below ``detail``, reason) or None. The path is only built on the way back from a
    # problem: the server walks every detail of every batch and almost all are clean. Exact
    # type tests come first because they are cheap and cover all JSON input.
    if depth > MAX_DETAIL_DEPTH:
        return "", "nested too deeply"
    kind = type(detail)
    if kind is str:
        problem = _text_problem(detail)
        return None if problem is None else ("", problem)
    if kind is dict or (kind is not list and isinstance(detail, Mapping)):
        for key, value in detail.items():
            if not isinstance(key, str) or not _SAFE_DETAIL_KEY.match(key):
                return "", f"key {key!r} must be a short lowercase identifier"
            found = _detail_problem(value, depth + 1)
            if found is not None:
                return f".{key}{found[0]}", found[1]
        return None
    if isinstance(detail, list):
        for i, value in enumerate(detail):
            found = _detail_problem(value, depth + 1)
            if found is not None:
                return f"[{i}]{found[0]}", found[1]
        return None
    if isinstance(detail, str):  # a str subclass
        problem = _text_problem(detail)
        return None if problem is None else ("", problem)
    if detail is None or isinstance(detail, bool):
        return None
    if isinstance(detail, (int, float)):
        if isinstance(detail, float) and not math.isfinite(detail):
            return "", "not a finite number (NaN or infinity has no JSON form)"
        # counts, attempts, seconds: small numbers only (a large one may be an identifier)
        if abs(detail) >= 1_000_000:
            return "", "number too large for a detail value (could be an identifier)"
        return None
    return "", f"unsupported value type {type(detail).__name__}"


@functools.lru_cache(maxsize=4096)
def _text_problem(text: str) -> str | None:
    # detail strings are codes from a small vocabulary, so the verdicts are cached (the
    # server checks every event of every batch)
    if len(text) > 120:
        return "text longer than 120 characters (detail is for codes, not text)"
    for what, pattern in _PHI_PATTERNS:
        if pattern.search(text):
            return f"looks like {what}; audit detail must never carry PHI"
    return None


