"""The audit event of DESIGN.md, shared by the workstation and the audit server.

One JSON object per event. Its canonical form is ``json.dumps(e, sort_keys=True,
separators=(",", ":"), ensure_ascii=False)`` without ``hash``; the chain is
``hash = sha256(bytes.fromhex(prev_hash) + canonical)`` with 64 zeros before the first.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from agent_desktop.errors import AgentDesktopError

GENESIS_HASH = "0" * 64
ROLES = ("agent", "team_lead", "admin")
OUTCOMES = ("success", "failure", "denied")
FIELDS = ("id", "device_id", "seq", "ts", "actor", "action", "patient", "call_id", "outcome",
          "detail", "prev_hash", "hash")

_ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
_TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
# opaque references: letters, digits and - _ . : /, never spaces (a name) or slashes-only dates
_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$")
MAX_DETAIL_BYTES = 2048
MAX_DETAIL_DEPTH = 3


class InvalidEvent(AgentDesktopError):
    """An audit event that does not follow the model; the message names the field."""


def uuid7(now_ms: int | None = None) -> str:
    """A time-ordered UUIDv7 (RFC 9562) string."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


def utc_timestamp(when: dt.datetime | float | None = None) -> str:
    """RFC 3339 UTC with milliseconds, e.g. ``2026-11-28T03:35:19.123Z``."""
    if when is None:
        moment = dt.datetime.now(dt.UTC)
    elif isinstance(when, int | float):
        moment = dt.datetime.fromtimestamp(when, dt.UTC)
    else:
        moment = when.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(ts: str) -> dt.datetime:
    if not isinstance(ts, str) or not _TS_RE.match(ts):
        raise InvalidEvent(f"ts: {ts!r} is not RFC 3339 UTC with milliseconds (YYYY-MM-DDTHH:MM:SS.mmmZ)")
    try:  # fromisoformat is C code, several times faster than strptime on the ingest path
        return dt.datetime.fromisoformat(ts[:-1] + "+00:00")
    except ValueError:
        raise InvalidEvent(f"ts: {ts!r} is not a valid date and time") from None


# one encoder, built once: json.dumps would build an identical one on every call
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(event: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in event.items() if k != "hash"}
    return _CANONICAL.encode(body).encode("utf-8")


def compute_hash(event: Mapping[str, Any]) -> str:
    prev = event.get("prev_hash")
    if not isinstance(prev, str) or not _HEX64_RE.match(prev):
        raise InvalidEvent("prev_hash: expected 64 lowercase hex digits")
    return hashlib.sha256(bytes.fromhex(prev) + canonical(event)).hexdigest()


# --- PHI guard for ``detail`` -------------------------------------------------------------
# Detail carries identifier *types*, results, reasons, counts, field-group names: never what
# a caller said or a value from a record. Anything that looks like one is refused.
_PHI_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("a date", re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")),
    ("a date", re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b", re.I)),
    ("an SSN", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("a phone number or identifier", re.compile(r"\d[\d\s().+-]{5,}\d")),
    ("a number of 4 or more digits", re.compile(r"\b\d{4,}\b")),
    ("an e-mail address", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    ("a SIP/tel address", re.compile(r"\b(sips?|tel):", re.I)),
    ("free text", re.compile(r"\S+\s+\S+\s+\S+\s+\S+")),
]
_SAFE_DETAIL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def detail_problem(detail: Any, path: str = "detail", depth: int = 0) -> str | None:
    """Return why ``detail`` may carry PHI or is malformed, or None when it is clean."""
    if depth > MAX_DETAIL_DEPTH:
        return f"{path}: nested too deeply"
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            if not isinstance(key, str) or not _SAFE_DETAIL_KEY.match(key):
                return f"{path}: key {key!r} must be a short lowercase identifier"
            problem = detail_problem(value, f"{path}.{key}", depth + 1)
            if problem:
                return problem
        return None
    if isinstance(detail, list):
        for i, value in enumerate(detail):
            problem = detail_problem(value, f"{path}[{i}]", depth + 1)
            if problem:
                return problem
        return None
    if detail is None or isinstance(detail, bool):
        return None
    if isinstance(detail, int | float):
        # counts, attempts, seconds: small numbers only (a large one may be an identifier)
        if abs(detail) >= 1_000_000:
            return f"{path}: number too large for a detail value (could be an identifier)"
        return None
    if isinstance(detail, str):
        problem = _text_problem(detail)
        return f"{path}: {problem}" if problem else None
    return f"{path}: unsupported value type {type(detail).__name__}"


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


def validate_event(event: Mapping[str, Any], *, check_hash: bool = True) -> None:
    """Raise :class:`InvalidEvent` naming the first problem; returns None when valid."""
    if not isinstance(event, Mapping):
        raise InvalidEvent("event: expected a JSON object")
    missing = [f for f in FIELDS if f not in event]
    if missing:
        raise InvalidEvent(f"event: missing field(s) {', '.join(missing)}")
    extra = sorted(set(event) - set(FIELDS))
    if extra:
        raise InvalidEvent(f"event: unknown field(s) {', '.join(extra)}")
    try:
        parsed = uuid.UUID(str(event["id"]))
    except ValueError:
        raise InvalidEvent("id: not a UUID") from None
    if parsed.version != 7 or str(parsed) != event["id"]:
        raise InvalidEvent("id: expected a lowercase UUIDv7")
    if not isinstance(event["device_id"], str) or not _REF_RE.match(event["device_id"]):
        raise InvalidEvent("device_id: expected an opaque identifier")
    seq = event["seq"]
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise InvalidEvent("seq: expected a whole number from 1")
    parse_timestamp(event["ts"])
    actor = event["actor"]
    if not isinstance(actor, Mapping) or set(actor) != {"user", "role"}:
        raise InvalidEvent('actor: expected {"user": ..., "role": ...}')
    if not isinstance(actor["user"], str) or not _REF_RE.match(actor["user"]):
        raise InvalidEvent("actor.user: expected an agent id")
    if actor["role"] not in ROLES:
        raise InvalidEvent(f"actor.role: expected one of {', '.join(ROLES)}")
    if not isinstance(event["action"], str) or not _ACTION_RE.match(event["action"]) or len(event["action"]) > 64:
        raise InvalidEvent("action: expected a dotted verb such as phi.reveal")
    for field in ("patient", "call_id"):
        value = event[field]
        if value is not None and (not isinstance(value, str) or not _REF_RE.match(value)):
            raise InvalidEvent(f"{field}: expected an opaque reference or null (never a name, "
                               "date or number with spaces)")
    if event["outcome"] not in OUTCOMES:
        raise InvalidEvent(f"outcome: expected one of {', '.join(OUTCOMES)}")
    if not isinstance(event["detail"], Mapping):
        raise InvalidEvent("detail: expected an object")
    if len(json.dumps(event["detail"], ensure_ascii=False).encode()) > MAX_DETAIL_BYTES:
        raise InvalidEvent(f"detail: larger than {MAX_DETAIL_BYTES} bytes")
    problem = detail_problem(event["detail"])
    if problem:
        raise InvalidEvent(problem)
    if not isinstance(event["prev_hash"], str) or not _HEX64_RE.match(event["prev_hash"]):
        raise InvalidEvent("prev_hash: expected 64 lowercase hex digits")
    if check_hash:
        if not isinstance(event["hash"], str) or not _HEX64_RE.match(event["hash"]):
            raise InvalidEvent("hash: expected 64 lowercase hex digits")
        if compute_hash(event) != event["hash"]:
            raise InvalidEvent(f"hash: does not match the event's content (seq {seq})")


def build_event(
    *,
    device_id: str,
    seq: int,
    prev_hash: str,
    user: str,
    role: str,
    action: str,
    outcome: str = "success",
    patient: str | None = None,
    call_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
    ts: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """Make a complete, validated, hashed event."""
    event: dict[str, Any] = {
        "id": event_id or uuid7(),
        "device_id": device_id,
        "seq": seq,
        "ts": ts or utc_timestamp(),
        "actor": {"user": user, "role": role},
        "action": action,
        "patient": patient,
        "call_id": call_id,
        "outcome": outcome,
        "detail": dict(detail or {}),
        "prev_hash": prev_hash,
        "hash": "",
    }
    event["hash"] = compute_hash(event)
    validate_event(event)
    return event


class ChainBreak(AgentDesktopError):
    """A gap or an edit in a device's chain; ``seq`` is the first bad sequence number."""

    def __init__(self, seq: int, problem: str) -> None:
        self.seq = seq
        super().__init__(f"audit chain broken at seq {seq}: {problem}")


def verify_chain(events: Iterable[Mapping[str, Any]], prev_hash: str = GENESIS_HASH,
                 prev_seq: int = 0) -> tuple[int, str]:
    """Check seq continuity, prev_hash links and each hash; return the last (seq, hash)."""
    for event in events:
        seq = event.get("seq")
        if seq != prev_seq + 1:
            raise ChainBreak(prev_seq + 1, f"expected seq {prev_seq + 1}, found {seq}")
        if event.get("prev_hash") != prev_hash:
            raise ChainBreak(seq, "prev_hash does not link to the previous event")
        if compute_hash(event) != event.get("hash"):
            raise ChainBreak(seq, "hash does not match the event's content")
        prev_seq, prev_hash = seq, str(event["hash"])
    return prev_seq, prev_hash


def receipt_message(device_id: str, last_seq: int, last_hash: str) -> bytes:
    """The bytes the server's Ed25519 receipt signs."""
    return f"{device_id}|{last_seq}|{last_hash}".encode()
