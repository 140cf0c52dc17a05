"""The fast validation and canonical encoding agree exactly with the plain definitions.

``reference_validate`` below is the straightforward validator the fast path replaced (uuid
module, json.dumps per check, whole-object canonical encoding); the fast one must accept
and refuse exactly the same events, with the same messages, and hash the same bytes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_desktop.audit.event import (
    _ACTION_RE,
    _HEX64_RE,
    _REF_RE,
    FIELDS,
    GENESIS_HASH,
    MAX_DETAIL_BYTES,
    OUTCOMES,
    ROLES,
    InvalidEvent,
    build_event,
    canonical,
    chain_hash,
    check_event,
    check_events,
    compute_hash,
    detail_problem,
    parse_timestamp,
    patient_ref_problem,
    uuid7,
    validate_event,
)

# Pinned before the fast path existed: the workstation and the server must keep agreeing.
GOLDEN_HASH = "df7a48d027f031088bd35e2f966897b253bed5f06598e46676545578e27cca03"


def golden_event() -> dict[str, Any]:
    return build_event(
        device_id="dev-golden", seq=42, prev_hash="ab" * 32, user="agent-7", role="team_lead",
        action="phi.reveal", outcome="denied", patient=None, call_id="call-9",
        detail={"reason": "verificación_fallida", "field_groups": ["demographics", "coverage"],
                "attempts": 2, "ok": False, "ratio": 0.5, "nested": {"b": None, "a": "ü"}},
        ts="2026-11-28T03:35:19.123Z", event_id="01936d6e-8f3a-7b2c-9d4e-5f6a7b8c9d0e")


def reference_canonical(event: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in event.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def reference_validate(event: Any) -> None:
    """validate_event(check_hash=True) as it was written before the fast path."""
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
    if event["patient"] is not None and patient_ref_problem(event["patient"]):
        raise InvalidEvent(str(patient_ref_problem(event["patient"])))
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
    if not isinstance(event["hash"], str) or not _HEX64_RE.match(event["hash"]):
        raise InvalidEvent("hash: expected 64 lowercase hex digits")
    digest = hashlib.sha256(bytes.fromhex(event["prev_hash"]) + reference_canonical(event)).hexdigest()
    if digest != event["hash"]:
        raise InvalidEvent(f"hash: does not match the event's content (seq {seq})")


def verdict(check: Any, event: Any) -> str:
    try:
        check(event)
    except InvalidEvent as err:
        return err.message
    return "valid"


# --- generated events ----------------------------------------------------------------------
refs = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.:\-]{0,20}\Z")
codes = st.text(min_size=0, max_size=30)  # any unicode: quotes, escapes, non-BMP, controls
keys = st.from_regex(r"\A[a-z][a-z0-9_]{0,12}\Z")
leaves = st.none() | st.booleans() | st.integers(-2_000_000, 2_000_000) | codes | st.floats(
    -2e6, 2e6, allow_nan=False)
details = st.dictionaries(keys, st.recursive(
    leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12), max_size=6)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    return build_event(
        device_id=draw(refs), seq=draw(st.integers(1, 2**62)), prev_hash=draw(st.binary(
            min_size=32, max_size=32)).hex(), user=draw(refs), role=draw(st.sampled_from(ROLES)),
        action=draw(st.sampled_from(("phi.view", "call.answer", "verify.step_failed"))),
        outcome=draw(st.sampled_from(OUTCOMES)), patient=draw(st.none() | refs),
        call_id=draw(st.none() | refs), event_id=uuid7(),
        detail=draw(st.dictionaries(keys, st.sampled_from(("caregiver", "dob", None, 3, True)),
                                    max_size=4)))


# values a client might send in place of any field (wrong types, near misses)
odd_values = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=80)
              | st.lists(st.integers(), max_size=3) | st.dictionaries(st.text(max_size=5), st.integers(), max_size=3)
              | st.sampled_from(["018f4e2a-1b2c-7d3e-8f40-123456789abc", "018F4E2A-1B2C-7D3E-8F40-123456789ABC",
                                 "018f4e2a-1b2c-4d3e-8f40-123456789abc", "018f4e2a-1b2c-7d3e-cf40-123456789abc",
                                 "{018f4e2a-1b2c-7d3e-8f40-123456789abc}", "018f4e2a1b2c7d3e8f40123456789abc",
                                 "018f4e2a-1b2c-7d3e-8f40-123456789abc\n", "2026-02-30T10:00:00.000Z",
                                 "2026-11-28T03:35:19.123Z\n", "ab" * 32 + "\n", "AB" * 32]))


def test_golden_event_hashes_to_the_value_pinned_before_the_fast_path() -> None:
    event = golden_event()
    assert event["hash"] == GOLDEN_HASH
    assert check_event(event).canonical == reference_canonical(event) == canonical(event)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(events(), details)
def test_fast_canonical_bytes_and_hash_equal_the_plain_definition(event: dict[str, Any],
                                                                   detail: dict[str, Any]) -> None:
    event["detail"] = detail
    event["hash"] = compute_hash(event)
    if detail_problem(detail) or len(json.dumps(detail, ensure_ascii=False).encode()) > MAX_DETAIL_BYTES:
        assert verdict(check_event, event) == verdict(reference_validate, event) != "valid"
        return
    checked = check_event(event)
    assert checked.canonical == reference_canonical(event)
    assert checked.detail_text == json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert chain_hash(event["prev_hash"], checked.canonical) == event["hash"]
    validate_event(event)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(events(), st.sampled_from([*FIELDS, "actor.user", "actor.role", "actor", "extra"]), odd_values)
def test_fast_validation_refuses_exactly_what_the_plain_one_refuses(
        event: dict[str, Any], field: str, value: Any) -> None:
    mutated = copy.deepcopy(event)
    if field == "actor.user" or field == "actor.role":
        mutated["actor"][field.split(".")[1]] = value
    elif field == "extra":
        mutated[str(value)[:10] or "x"] = value
    else:
        mutated[field] = value
    assert verdict(validate_event, mutated) == verdict(reference_validate, mutated)


def batch_verdict(event: Any, **hints: Any) -> str:
    """check_events on a one-event batch, in check_event's terms (message, or the parts)."""
    try:
        return repr(check_events([event], **hints)[0])
    except InvalidEvent as err:
        return err.message


def single_verdict(event: Any) -> str:
    try:
        return repr(check_event(event))
    except InvalidEvent as err:
        return err.message


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(events(), st.sampled_from([*FIELDS, "actor.user", "actor.role", "actor", "extra", "detail.x", None]),
       odd_values | details, st.booleans())
def test_batch_validation_agrees_with_check_event_on_every_input(
        event: dict[str, Any], field: str | None, value: Any, hinted: bool) -> None:
    mutated = copy.deepcopy(event)
    if field in ("actor.user", "actor.role") and isinstance(mutated["actor"], dict):
        mutated["actor"][field.split(".")[1]] = value
    elif field == "detail.x":
        mutated["detail"]["x"] = value
    elif field == "extra":
        mutated[str(value)[:10] or "x"] = value
    elif field is not None:
        mutated[field] = value
    parsed = json.loads(json.dumps(mutated))  # what the server gets: string keys only
    hints: dict[str, Any] = {"device_id": event["device_id"], "actor": (event["actor"]["user"],
                                                                          event["actor"]["role"])} if hinted else {}
    expected = single_verdict(parsed)
    assert batch_verdict(parsed, parsed_json=True, **hints) == expected
    assert batch_verdict(parsed, parsed_json=True, **hints) == expected  # again, with the verdict cached
    assert batch_verdict(mutated, **hints) == single_verdict(mutated)


def test_a_cached_detail_verdict_is_only_reused_for_parsed_json() -> None:
    event = golden_event()
    event["detail"] = {"true": 1}
    check_events([event], parsed_json=True)  # caches the clean text {"true":1}
    event["detail"] = {True: 1}  # encodes to the same text, but the key is not a string
    assert batch_verdict(event) == single_verdict(event) == "detail: key True must be a short lowercase identifier"


def test_batch_validation_names_the_failing_event() -> None:
    good, bad = golden_event(), golden_event()
    bad["seq"] = 0
    with pytest.raises(InvalidEvent) as err:
        check_events([good, good, bad], parsed_json=True)
    assert getattr(err.value, "index", None) == 2 and err.value.message == "seq: expected a whole number from 1"


@pytest.mark.parametrize("ts", ["2026-11-28T24:00:00.000Z", "2026-02-30T10:00:00.000Z", "0000-01-01T00:00:00.000Z",
                                "2026-11-28T23:60:00.000Z", "2026-11-28T23:59:60.000Z",
                                "2026-11-28T1\u0663:00:00.000Z", "2026-11-28T23:59:59.999Z"])
def test_batch_validation_reads_timestamps_exactly_as_check_event(ts: str) -> None:
    event = golden_event()
    event["ts"] = ts.encode().decode("unicode_escape")
    assert batch_verdict(event, parsed_json=True) == single_verdict(event)


@pytest.mark.parametrize("field", FIELDS)
def test_a_missing_field_is_named(field: str) -> None:
    event = golden_event()
    del event[field]
    assert verdict(validate_event, event) == verdict(reference_validate, event) == (
        f"event: missing field(s) {field}")


def test_detail_size_limit_is_still_measured_on_the_spaced_json_form() -> None:
    # n items {"k000": 0, ...}: 11n bytes spaced, 9n + 1 compact (the canonical form)
    event = golden_event()
    event["detail"] = {f"k{i:03d}": i % 10 for i in range(200)}
    event["hash"] = compute_hash(event)
    assert len(check_event(golden_event()).detail_text) < MAX_DETAIL_BYTES
    assert len(json.dumps(event["detail"], separators=(",", ":"))) == 1801 <= MAX_DETAIL_BYTES
    assert len(json.dumps(event["detail"])) == 2200 > MAX_DETAIL_BYTES
    assert verdict(validate_event, event) == verdict(reference_validate, event) == (
        f"detail: larger than {MAX_DETAIL_BYTES} bytes")
    event["detail"] = {f"k{i:03d}": i % 10 for i in range(186)}  # 2046 bytes spaced
    event["hash"] = compute_hash(event)
    assert verdict(validate_event, event) == verdict(reference_validate, event) == "valid"


def test_phi_in_nested_detail_is_refused_with_its_path() -> None:
    event = golden_event()
    event["detail"] = {"groups": [{"ok": "fine"}, {"note": "call me at 555 123 4567"}]}
    event["hash"] = compute_hash(event)
    message = verdict(validate_event, event)
    assert message == verdict(reference_validate, event)
    assert message.startswith("detail.groups[1].note: looks like")


def test_detail_that_json_cannot_hold_is_an_invalid_event_not_a_crash() -> None:
    event = golden_event()
    event["detail"] = {"groups": {"a", "b"}}
    assert verdict(validate_event, event) == "detail.groups: unsupported value type set"
    event["detail"] = {1: "x", "b": "y"}  # mixed key types cannot be sorted
    assert verdict(validate_event, event) == "detail: key 1 must be a short lowercase identifier"


def test_a_lone_surrogate_in_detail_is_an_invalid_event_not_a_crash() -> None:
    event = json.loads(json.dumps(golden_event()).replace('"ok": false', '"ok": "\\ud800"'))
    assert event["detail"]["ok"] == "\ud800"
    assert verdict(validate_event, event) == "detail: text is not valid Unicode (a lone surrogate)"


@pytest.mark.parametrize("field", ["device_id", "action", "prev_hash", "ts", "patient", "call_id"])
def test_a_trailing_newline_is_not_a_valid_identifier(field: str) -> None:
    event = build_event(device_id="dev-1", seq=1, prev_hash=GENESIS_HASH, user="a1001", role="agent",
                        action="phi.view", patient="pat-1", call_id="call-1")
    event[field] = str(event[field]) + "\n"
    with pytest.raises(InvalidEvent, match=field):
        validate_event(event, check_hash=False)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(events(), details)
def test_a_prepared_event_completes_to_exactly_the_built_event_and_its_encoding(
        event: dict[str, Any], detail: dict[str, Any]) -> None:
    """The record fast path (validate on the caller, chain on the vault thread) stores the
    very event and bytes that build_event + outbox.encode would."""
    from agent_desktop.audit.event import prepare_event
    from agent_desktop.audit.outbox import encode

    if detail_problem(detail) or len(json.dumps(detail, ensure_ascii=False).encode()) > MAX_DETAIL_BYTES:
        return
    fields = dict(device_id=event["device_id"], user=event["actor"]["user"],
                  role=event["actor"]["role"], action=event["action"], outcome=event["outcome"],
                  patient=event["patient"], call_id=event["call_id"], detail=detail,
                  ts=event["ts"], event_id=event["id"])
    built = build_event(seq=event["seq"], prev_hash=event["prev_hash"], **fields)
    completed, body = prepare_event(**fields).complete(event["seq"], event["prev_hash"])
    assert completed == built
    assert body == encode(built)
    assert json.loads(body) == built


def test_a_prepared_event_refuses_phi_before_any_chain_position() -> None:
    from agent_desktop.audit.event import prepare_event

    with pytest.raises(InvalidEvent, match="free text"):
        prepare_event(device_id="dev-1", user="a1", role="agent", action="phi.view",
                      outcome="success", patient=None, call_id=None,
                      detail={"note": "caller said her name is Rosa"},
                      ts="2026-11-28T03:35:19.123Z", event_id=uuid7())


def test_uuid7_is_the_canonical_text_of_a_version_7_uuid_carrying_the_time() -> None:
    for ms in (0, 1, 1_764_547_200_123, (1 << 48) - 1, 1 << 48):
        for _ in range(200):
            text = uuid7(ms)
            parsed = uuid.UUID(text)
            assert str(parsed) == text and parsed.version == 7
            assert parsed.variant == uuid.RFC_4122
            assert parsed.int >> 80 == ms & ((1 << 48) - 1)
