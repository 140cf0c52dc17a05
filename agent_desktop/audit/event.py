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
from typing import Any, NamedTuple, NoReturn

from agent_desktop.errors import AgentDesktopError

GENESIS_HASH = "0" * 64
ROLES = ("agent", "team_lead", "admin")
OUTCOMES = ("success", "failure", "denied")
FIELDS = ("id", "device_id", "seq", "ts", "actor", "action", "patient", "call_id", "outcome",
          "detail", "prev_hash", "hash")

# \Z, not $: "$" also matches before a trailing newline ("dev-1\n" must be refused)
_ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\Z")
_HEX64_RE = re.compile(r"^[0-9a-f]{64}\Z")
_TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\Z")
# opaque references: letters, digits and - _ . : /, never spaces (a name) or slashes-only dates
_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}\Z")
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


# --- validation -----------------------------------------------------------------------------
# The server validates every event of every batch, so the common (valid) case takes the
# cheapest route and the exact wording of a refusal is worked out only when one is due.
_FIELD_SET = frozenset(FIELDS)
_ACTOR_KEYS = frozenset(("user", "role"))
# what ``str(uuid.UUID(x)) == x and version == 7`` accepts: the lowercase hyphenated form,
# version nibble 7, RFC 4122 variant (8, 9, a or b); use with fullmatch (``$`` allows "\n")
_UUID7_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


class CheckedEvent(NamedTuple):
    """What validation computed and the caller may reuse instead of encoding again."""

    detail_text: str  # the canonical JSON text of ``detail`` (what the server stores)
    canonical: bytes  # canonical(event): the bytes the hash covers


def check_event(event: Mapping[str, Any]) -> CheckedEvent:
    """Validate everything but ``hash`` (as ``validate_event(check_hash=False)``) and return
    the canonical forms computed on the way; raises :class:`InvalidEvent`."""
    if not (type(event) is dict or isinstance(event, Mapping)):
        raise InvalidEvent("event: expected a JSON object")
    if event.keys() != _FIELD_SET:
        missing = [f for f in FIELDS if f not in event]
        if missing:
            raise InvalidEvent(f"event: missing field(s) {', '.join(missing)}")
        extra = sorted(set(event) - _FIELD_SET)
        raise InvalidEvent(f"event: unknown field(s) {', '.join(extra)}")
    event_id = event["id"]
    if not isinstance(event_id, str) or not _UUID7_RE.fullmatch(event_id):
        _refuse_id(event_id)
    if not isinstance(event["device_id"], str) or not _REF_RE.match(event["device_id"]):
        raise InvalidEvent("device_id: expected an opaque identifier")
    seq = event["seq"]
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise InvalidEvent("seq: expected a whole number from 1")
    parse_timestamp(event["ts"])
    actor = event["actor"]
    if not (type(actor) is dict or isinstance(actor, Mapping)) or actor.keys() != _ACTOR_KEYS:
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
    detail = event["detail"]
    if not (type(detail) is dict or isinstance(detail, Mapping)):
        raise InvalidEvent("detail: expected an object")
    text = _detail_text(detail)
    problem = detail_problem(detail)
    if problem:
        raise InvalidEvent(problem)
    if not isinstance(event["prev_hash"], str) or not _HEX64_RE.match(event["prev_hash"]):
        raise InvalidEvent("prev_hash: expected 64 lowercase hex digits")
    return CheckedEvent(text, _canonical_checked(event, text))


def _refuse_id(value: Any) -> NoReturn:
    # the wording the uuid module's verdict gave before the regex fast path
    try:
        uuid.UUID(str(value))
    except ValueError:
        raise InvalidEvent("id: not a UUID") from None
    raise InvalidEvent("id: expected a lowercase UUIDv7")


def _detail_text(detail: Mapping[str, Any]) -> str:
    """The canonical text of ``detail``, refused when over MAX_DETAIL_BYTES.

    The limit has always been measured on ``json.dumps(detail, ensure_ascii=False)`` (with
    ", " and ": "); that form is the canonical one plus one byte per separator, so at most
    twice as long: only a canonical text over half the limit needs the second encoding.
    """
    try:
        text = _encode_canonical(detail)
    except (TypeError, ValueError, RecursionError):  # mixed key types, a value JSON cannot hold, a cycle
        problem = detail_problem(detail)
        raise InvalidEvent(problem or "detail: not representable as JSON") from None
    try:
        size = len(text) if text.isascii() else len(text.encode("utf-8"))
    except UnicodeEncodeError:  # JSON's "\ud800" escape decodes to a lone surrogate
        raise InvalidEvent("detail: text is not valid Unicode (a lone surrogate)") from None
    if size > MAX_DETAIL_BYTES or (
            2 * size > MAX_DETAIL_BYTES
            and len(json.dumps(detail, ensure_ascii=False).encode("utf-8")) > MAX_DETAIL_BYTES):
        raise InvalidEvent(f"detail: larger than {MAX_DETAIL_BYTES} bytes")
    return text


_str = json.encoder.encode_basestring  # the string encoder of ensure_ascii=False (C)
# The C encoder behind _CANONICAL.encode, made once: encode() builds a new one (and a closure)
# on every call, half the cost of encoding a small detail. Without cycle markers it keeps no
# state between calls (thread-safe); a cycle ends in RecursionError, refused like any other
# detail JSON cannot hold.
_C_MAKE_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_C_CANONICAL = None if _C_MAKE_ENCODER is None else _C_MAKE_ENCODER(
    None, _CANONICAL.default, _str, None, ":", ",", True, False, True)


def _encode_canonical(value: Any) -> str:
    """``_CANONICAL.encode(value)`` for a dict or list."""
    if _C_CANONICAL is None:
        return _CANONICAL.encode(value)
    return "".join(_C_CANONICAL(value, 0))


def _canonical_checked(event: Mapping[str, Any], detail_text: str) -> bytes:
    """``canonical(event)`` assembled from parts, for an event that passed validation.

    Validation fixes the key set and every value's type, so the sorted-key layout is known
    and only the values need encoding; three times cheaper than encoding the whole object.
    tests/unit/audit prove it byte-identical to canonical().
    """
    actor = event["actor"]
    patient = event["patient"]
    call_id = event["call_id"]
    return (
        f'{{"action":{_str(event["action"])},"actor":{{"role":{_str(actor["role"])},'
        f'"user":{_str(actor["user"])}}},"call_id":{"null" if call_id is None else _str(call_id)},'
        f'"detail":{detail_text},"device_id":{_str(event["device_id"])},"id":{_str(event["id"])},'
        f'"outcome":{_str(event["outcome"])},"patient":{"null" if patient is None else _str(patient)},'
        f'"prev_hash":{_str(event["prev_hash"])},"seq":{int.__repr__(event["seq"])},'
        f'"ts":{_str(event["ts"])}}}'
    ).encode()


def chain_hash(prev_hash: str, canonical_bytes: bytes) -> str:
    """sha256(prev_hash bytes + canonical bytes): the hash of DESIGN.md."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_bytes).hexdigest()


def validate_event(event: Mapping[str, Any], *, check_hash: bool = True) -> None:
    """Raise :class:`InvalidEvent` naming the first problem; returns None when valid."""
    checked = check_event(event)
    if check_hash:
        if not isinstance(event["hash"], str) or not _HEX64_RE.match(event["hash"]):
            raise InvalidEvent("hash: expected 64 lowercase hex digits")
        if chain_hash(event["prev_hash"], checked.canonical) != event["hash"]:
            raise InvalidEvent(f"hash: does not match the event's content (seq {event['seq']})")


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
