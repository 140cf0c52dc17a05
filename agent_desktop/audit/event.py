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

# re-exported: the guard and the timestamp format are part of the event model's API
from agent_desktop.phi_guard import detail_problem as detail_problem
from agent_desktop.phi_guard import patient_ref_problem as patient_ref_problem
from agent_desktop.timestamps import utc_timestamp as utc_timestamp

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
    # what str(uuid.UUID(int=value)) gives, without building (and checking) the object
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def parse_timestamp(ts: str) -> dt.datetime:
    if not isinstance(ts, str) or not _TS_RE.match(ts):
        raise InvalidEvent(f"ts: {ts!r} is not RFC 3339 UTC with milliseconds (YYYY-MM-DDTHH:MM:SS.mmmZ)")
    try:  # fromisoformat is C code, several times faster than strptime on the ingest path
        return dt.datetime.fromisoformat(ts[:-1] + "+00:00")
    except ValueError:
        raise InvalidEvent(f"ts: {ts!r} is not a valid date and time") from None


# one encoder, built once: json.dumps would build an identical one on every call
# allow_nan=False: NaN and Infinity have no JSON form (they would be stored, served back as
# null and no longer hash to what was chained), so the canonical form refuses them.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical(event: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in event.items() if k != "hash"}
    try:
        return _CANONICAL.encode(body).encode("utf-8")
    except ValueError:
        raise InvalidEvent("event: a number is not finite (NaN or infinity has no JSON form)") from None


def compute_hash(event: Mapping[str, Any]) -> str:
    prev = event.get("prev_hash")
    if not isinstance(prev, str) or not _HEX64_RE.match(prev):
        raise InvalidEvent("prev_hash: expected 64 lowercase hex digits")
    return hashlib.sha256(bytes.fromhex(prev) + canonical(event)).hexdigest()


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
    text = _check_fields(event)
    return CheckedEvent(text, _canonical_checked(event, text))


def _check_fields(event: Mapping[str, Any]) -> str:
    """:func:`check_event` without building the canonical bytes: the canonical text of
    ``detail`` (what :func:`prepare_event` needs, which builds the rest in parts)."""
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
    patient = event["patient"]
    if patient is not None and patient[0].isdigit():  # cheap pre-test: refs usually start with a letter
        problem = patient_ref_problem(patient)
        if problem:
            raise InvalidEvent(problem)
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
    return text


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
    None, _CANONICAL.default, _str, None, ":", ",", True, False, False)


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
    head, middle, end = _canonical_parts(event, detail_text)
    return (f'{head}{middle},"prev_hash":{_str(event["prev_hash"])},'
            f'"seq":{int.__repr__(event["seq"])}{end}').encode()


def _canonical_parts(event: Mapping[str, Any], detail_text: str) -> tuple[str, str, str]:
    """The canonical text around prev_hash and seq: the keys sorted before "hash"
    (action ... device_id), then id, outcome, patient, and ts after seq."""
    actor = event["actor"]
    patient = event["patient"]
    call_id = event["call_id"]
    head = (f'{{"action":{_str(event["action"])},"actor":{{"role":{_str(actor["role"])},'
            f'"user":{_str(actor["user"])}}},"call_id":{"null" if call_id is None else _str(call_id)},'
            f'"detail":{detail_text},"device_id":{_str(event["device_id"])}')
    middle = (f',"id":{_str(event["id"])},"outcome":{_str(event["outcome"])},'
              f'"patient":{"null" if patient is None else _str(patient)}')
    return head, middle, f',"ts":{_str(event["ts"])}}}'


class InvalidEventAt(InvalidEvent):
    """An invalid event of a batch; ``index`` is its position."""

    def __init__(self, index: int, err: InvalidEvent) -> None:
        super().__init__(err.message, err.hint)
        self.index = index


# the fast path's time check: with the date checked once per day (below), exactly what
# parse_timestamp accepts (hours 00-23, minutes and seconds 00-59)
_TS_FAST_RE = re.compile(r"\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z", re.ASCII)


@functools.lru_cache(maxsize=1024)
def _valid_day(day: str) -> bool:
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        return False
    return True


_CLEAN_DETAILS: dict[str, bool] = {}  # canonical detail texts that passed the PHI guard
_CLEAN_DETAILS_MAX = 8192


def check_events(events: Iterable[Any], *, device_id: str | None = None,
                 actor: tuple[str, str] | None = None, parsed_json: bool = False) -> list[CheckedEvent]:
    """``[check_event(e) for e in events]``, faster: the server checks every event of every
    batch. One loop with everything inline; values the batch shares (its device id, the
    token's actor, actions, days) are checked once. With ``parsed_json`` (the events were
    parsed from JSON text, so every key is a string) a detail whose canonical text already
    passed the PHI guard is not walked again: for string keys the verdict depends on the
    text alone (``{True: 1}`` and ``{"true": 1}`` encode alike, hence the condition). Any
    event the fast path does not accept goes through :func:`check_event`, which gives the
    refusal its exact message (``InvalidEventAt`` carries the index).
    tests/unit/audit/test_event_fast_path.py proves both agree on every input.
    """
    checked: list[CheckedEvent] = []
    append = checked.append
    uuid_ok, ref_ok, ts_ok, hex_ok = _UUID7_RE.fullmatch, _REF_RE.match, _TS_FAST_RE.fullmatch, _HEX64_RE.match
    clean, known_actions = _CLEAN_DETAILS, set()
    # hints that fail the checks themselves match nothing (a fresh object equals no value)
    good_device: object = device_id if device_id is not None and ref_ok(device_id) else object()
    good_actor: object = actor if actor is not None and ref_ok(actor[0]) and actor[1] in ROLES else object()
    for index, event in enumerate(events):
        fast = None
        if type(event) is dict and event.keys() == _FIELD_SET:
            detail = event["detail"]
            patient, call_id, act, who = event["patient"], event["call_id"], event["action"], event["actor"]
            seq, ts, device, prev = event["seq"], event["ts"], event["device_id"], event["prev_hash"]
            if (type(detail) is dict and type(event["id"]) is str and uuid_ok(event["id"])
                    and (device == good_device or (type(device) is str and ref_ok(device)))
                    and type(seq) is int and seq >= 1
                    and type(ts) is str and ts_ok(ts) and _valid_day(ts[:10])
                    and type(who) is dict and who.keys() == _ACTOR_KEYS
                    and ((who["user"], who["role"]) == good_actor
                         or (type(who["user"]) is str and ref_ok(who["user"]) and who["role"] in ROLES))
                    and type(act) is str and (act in known_actions or (_ACTION_RE.match(act) and len(act) <= 64))
                    and (patient is None or (type(patient) is str and ref_ok(patient)
                                             and (not patient[0].isdigit() or patient_ref_problem(patient) is None)))
                    and (call_id is None or (type(call_id) is str and ref_ok(call_id)))
                    and event["outcome"] in OUTCOMES and type(prev) is str and hex_ok(prev)):
                known_actions.add(act)
                try:
                    text = _encode_canonical(detail)
                except (TypeError, ValueError, RecursionError):
                    text = None
                if text is not None and 2 * len(text) <= MAX_DETAIL_BYTES and text.isascii() or (
                        text is not None and _detail_size_ok(detail, text)):
                    if (parsed_json and text in clean) or detail_problem(detail) is None:
                        if parsed_json and len(clean) < _CLEAN_DETAILS_MAX:
                            clean[text] = True
                        fast = CheckedEvent(text, _canonical_checked(event, text))
        if fast is None:
            try:
                fast = check_event(event)
            except InvalidEvent as err:
                raise InvalidEventAt(index, err) from None
        append(fast)
    return checked


def clean_detail_text(detail: dict[str, Any]) -> str | None:
    """The canonical text of a ``detail`` parsed from JSON (string keys only) when it is within
    MAX_DETAIL_BYTES and passes the PHI guard, else None (:func:`check_event` then says why).
    The same test and verdict cache as :func:`check_events` with ``parsed_json``."""
    try:
        text = _encode_canonical(detail)
    except (TypeError, ValueError, RecursionError):
        return None
    if not (2 * len(text) <= MAX_DETAIL_BYTES and text.isascii()) and not _detail_size_ok(detail, text):
        return None
    if text in _CLEAN_DETAILS:
        return text
    if detail_problem(detail) is not None:
        return None
    if len(_CLEAN_DETAILS) < _CLEAN_DETAILS_MAX:
        _CLEAN_DETAILS[text] = True
    return text


def _detail_size_ok(detail: Mapping[str, Any], text: str) -> bool:
    try:
        size = len(text) if text.isascii() else len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return False
    return size <= MAX_DETAIL_BYTES and (2 * size <= MAX_DETAIL_BYTES or len(json.dumps(
        detail, ensure_ascii=False).encode("utf-8")) <= MAX_DETAIL_BYTES)


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


class PreparedEvent(NamedTuple):
    """An event validated before its place in the chain is known (see :func:`prepare_event`).

    Its canonical text is kept in the parts around ``prev_hash`` and ``seq``, so the vault
    thread only formats two values, hashes once and splices ``hash`` into the stored body.
    """

    fields: dict[str, Any]  # every field but seq, prev_hash and hash
    head: str  # '{"action":...,"device_id":"..."': the sorted keys before "hash"
    middle: str  # ',"id":...,"outcome":...,"patient":...'
    end: str  # ',"ts":"..."}'

    def complete(self, seq: int, prev_hash: str) -> tuple[dict[str, Any], str]:
        """The event at ``seq`` after ``prev_hash``, and its stored body (``encode(event)``)."""
        chained = f'{self.middle},"prev_hash":"{prev_hash}","seq":{int(seq)}{self.end}'
        digest = hashlib.sha256(
            bytes.fromhex(prev_hash) + (self.head + chained).encode()).hexdigest()
        event = {**self.fields, "seq": seq, "prev_hash": prev_hash, "hash": digest}
        return event, f'{self.head},"hash":"{digest}"{chained}'


def prepare_event(*, device_id: str, user: str, role: str, action: str, outcome: str,
                  patient: str | None, call_id: str | None, detail: Mapping[str, Any] | None,
                  ts: str, event_id: str) -> PreparedEvent:
    """Validate an event whose seq and prev_hash are not known yet; raises InvalidEvent.

    Everything is checked here, on the caller's thread (a PHI-looking detail never reaches
    the vault); :meth:`PreparedEvent.complete` can then only add two well-formed values.
    tests/unit/audit prove the result identical to :func:`build_event` and its encoding.
    """
    event: dict[str, Any] = {
        "id": event_id, "device_id": device_id, "seq": 1, "ts": ts,
        "actor": {"user": user, "role": role}, "action": action, "patient": patient,
        "call_id": call_id, "outcome": outcome, "detail": dict(detail or {}),
        "prev_hash": GENESIS_HASH, "hash": "",
    }
    head, middle, end = _canonical_parts(event, _check_fields(event))
    for key in ("seq", "prev_hash", "hash"):
        del event[key]
    return PreparedEvent(event, head, middle, end)


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
