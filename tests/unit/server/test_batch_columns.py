"""The column-at-a-time batch check accepts only what the event-by-event check accepts.

``batch_rows`` is the server's path for the common batch; anything it does not take goes
through ``check_batch``, which names the problem. So for every batch, valid or mutated in
one event, either ``batch_rows`` declines (None) or it returns exactly the rows the exact
path returns. The exact path is itself proven against the plain definitions in
tests/unit/audit/test_event_fast_path.py.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_desktop.audit.event import FIELDS, GENESIS_HASH, build_event, uuid7
from agent_desktop.errors import AgentDesktopError
from agent_desktop.server.batch_columns import batch_rows
from agent_desktop.server.context import ServerContext
from agent_desktop.server.db import open_database
from agent_desktop.server.ingest import event_rows, ts_bounds
from agent_desktop.server.keys import write_key

NOW = 1_790_000_000.0
DEVICE, ACTOR = "dev-7", ("a1001", "agent")
RECEIVED = "2026-09-21T10:00:00.000Z"


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> ServerContext:
    work: Path = tmp_path_factory.mktemp("columns")
    return ServerContext(db=open_database(f"sqlite:///{work / 'audit.db'}"),
                         signer=write_key(work / "key.pem"), clock=lambda: NOW)


def reference_hash(event: dict[str, Any]) -> str:
    body = {k: v for k, v in event.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(bytes.fromhex(event["prev_hash"]) + text.encode()).hexdigest()


def make_batch(details: list[dict[str, Any]], patients: list[str | None], first_seq: int = 1) -> list[dict[str, Any]]:
    events, prev = [], GENESIS_HASH
    for i, (detail, patient) in enumerate(zip(details, patients, strict=True)):
        event = build_event(device_id=DEVICE, seq=first_seq + i, prev_hash=prev, user=ACTOR[0], role=ACTOR[1],
                            action=("phi.view", "call.answer")[i % 2], patient=patient,
                            call_id=None if i % 3 == 0 else f"call-{i}",
                            ts=f"2026-09-21T09:5{i % 10}:0{i % 10}.{i:03d}Z",
                            outcome=("success", "denied")[i % 2])
        event["detail"] = detail  # set after building: generated ones may fail the PHI guard
        events.append(event)
        prev = event["hash"]
    relink(events, 0)
    return json.loads(json.dumps(events))  # what the server parses: string keys only


def fast(ctx: ServerContext, events: Any, device_id: str = DEVICE, actor: tuple[str, str] = ACTOR,
         from_wire: bool = False) -> list[tuple[Any, ...]] | None:
    oldest, horizon = ts_bounds(ctx, NOW)
    return batch_rows(events, device_id, actor, not_before=oldest, not_after=horizon, received_at=RECEIVED,
                      from_wire=from_wire)


def exact(ctx: ServerContext, events: Any, device_id: str = DEVICE,
          actor: tuple[str, str] = ACTOR) -> list[tuple[Any, ...]] | str:
    """The event-by-event path's rows, or its refusal."""
    try:
        rows = event_rows(ctx, device_id, events, None, NOW)  # actor None: never the column path
    except AgentDesktopError as err:
        return err.message
    for row in rows:
        if (row[4], row[5]) != actor:  # the actor binding check_batch makes with a token's actor
            return "actor mismatch"
    return [(*row[:13], RECEIVED) for row in rows]


def relink(events: list[Any], start: int) -> None:
    """Rehash from ``start`` on (where the mutation leaves a hashable event) so a mutation is
    seen on its own rather than as a broken hash."""
    for i in range(start, len(events)):
        event = events[i]
        if not isinstance(event, dict):
            return
        try:
            if i > start:
                event["prev_hash"] = events[i - 1]["hash"]
            event["hash"] = reference_hash(event)
        except (KeyError, TypeError, ValueError, AttributeError):
            return


def assert_agree(ctx: ServerContext, events: Any, **kwargs: Any) -> list[tuple[Any, ...]] | None:
    """Both column paths (the batch as given, and as the route parses it) agree with the exact path."""
    rows = fast(ctx, events, **kwargs)
    if rows is not None:
        assert rows == exact(ctx, events, **kwargs)
    try:
        wire_events = orjson.loads(json.dumps(events))  # what wire.parse_batch hands over
    except orjson.JSONDecodeError:  # NaN: the route refuses the body
        return rows
    wire_rows = fast(ctx, wire_events, from_wire=True, **kwargs)
    if wire_rows is not None:
        assert wire_rows == exact(ctx, wire_events, **kwargs)
    return rows


refs = st.from_regex(r"\A[A-Za-z][A-Za-z0-9_.:\-]{0,12}\Z")
keys = st.from_regex(r"\A[a-z][a-z0-9_]{0,12}\Z")
leaves = (st.none() | st.booleans() | st.integers(-2_000_000, 2_000_000) | st.text(max_size=20)
          | st.floats(-2e6, 2e6, allow_nan=False))
nested = leaves | st.lists(leaves, max_size=3)
details = st.dictionaries(keys, nested | st.dictionaries(keys, nested, max_size=3), max_size=4)
clean_details = st.dictionaries(keys, st.sampled_from(("caregiver", "dob", None, 3, True, ["demographics"])),
                                max_size=3)
odd_values = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=70) | details
              | st.lists(st.integers(), max_size=3)
              | st.sampled_from(["", "None", "pat-1\npat-2", "pat-1\n", "5551234567", "1990-01-01", "19900101",
                                 "2026-09-21T09:50:00.000Z\n2026-09-21T09:50:00.000Z", "2026-02-30T10:00:00.000Z",
                                 "2026-09-21T09:50:00.000z", "2030-01-01T00:00:00.000Z", "1990-01-01T00:00:00.000Z",
                                 "AB" * 32, "ab" * 31 + " ab", "ab" * 32 + "\n", "ab" * 33, "dev-8", "a1002",
                                 "agent", "team_lead", "admin", "phi.view", "x" * 65, "018f4e2a-1b2c-7d3e-8f40-123456789abc",
                                 "018F4E2A-1B2C-7D3E-8F40-123456789ABC", "018f4e2a-1b2c-4d3e-8f40-123456789abc"]))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(clean_details | details, min_size=1, max_size=5), st.data())
def test_an_untouched_batch_takes_the_column_path_with_the_exact_rows(ctx: ServerContext,
                                                                      batch_details: list[dict[str, Any]],
                                                                      data: st.DataObject) -> None:
    patients = data.draw(st.lists(st.none() | refs, min_size=len(batch_details), max_size=len(batch_details)))
    events = make_batch(batch_details, patients, first_seq=data.draw(st.integers(1, 2**62 - 5)))
    rows = assert_agree(ctx, events)
    # details the PHI guard refuses (free text in generated strings) leave it to the exact path
    assert rows is not None or isinstance(exact(ctx, events), str)


@settings(max_examples=1200, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(1, 4), st.data(),
       st.sampled_from([*FIELDS, "actor.user", "actor.role", "actor", "extra", "missing", "detail.x", "event"]),
       odd_values, st.booleans())
def test_a_batch_mutated_in_one_event_is_taken_only_with_the_exact_rows(
        ctx: ServerContext, size: int, data: st.DataObject, field: str, value: Any, rehash: bool) -> None:
    events = make_batch([{"caller_type": "caregiver"}] * size, [f"pat-{i}" for i in range(size)])
    index = data.draw(st.integers(0, size - 1))
    event: Any = events[index]
    if field in ("actor.user", "actor.role"):
        event["actor"][field.split(".")[1]] = value
    elif field == "detail.x":
        event["detail"]["x"] = value
    elif field == "extra":
        event[str(value)[:10] or "x"] = value
    elif field == "missing":
        del event[data.draw(st.sampled_from(FIELDS))]
    elif field == "event":
        events[index] = value
    else:
        event[field] = value
    if rehash and field not in ("hash", "prev_hash"):
        relink(events, index)
    assert_agree(ctx, events)


CHANGES = {
    "swap seqs": lambda one, two: one.update(seq=two["seq"]) or two.update(seq=one["seq"] - 1),
    "repeat seq": lambda one, two: two.update(seq=one["seq"]),
    "gap": lambda one, two: two.update(seq=two["seq"] + 1),
    "repeat id": lambda one, two: two.update(id=one["id"]),
    "two ids in one": lambda one, two: one.update(id=f"{one['id']}\n{two['id']}"),
    "other device": lambda one, two: one.update(device_id="dev-8"),
    "other actor": lambda one, two: one["actor"].update(user="a1002"),
    "other role": lambda one, two: one["actor"].update(role="team_lead"),
    "future ts": lambda one, two: one.update(ts="2026-09-21T14:20:00.000Z"),  # NOW 14:13:20Z, skew 300 s
    "expired ts": lambda one, two: one.update(ts="2010-01-01T00:00:00.000Z"),
    "no such day": lambda one, two: one.update(ts="2026-02-30T10:00:00.000Z"),
    "two timestamps in one": lambda one, two: one.update(ts=f"{one['ts']}\n{two['ts']}"),
    "ts without milliseconds": lambda one, two: one.update(ts="2026-09-21T09:50:00Z"),
    "newline in patient": lambda one, two: one.update(patient="pat-1\npat-2"),
    "empty patient": lambda one, two: one.update(patient=""),
    "digit-first patient": lambda one, two: one.update(patient="5551234567"),
    "newline in call_id": lambda one, two: one.update(call_id="call-1\ncall-2"),
    "uppercase prev_hash": lambda one, two: one.update(prev_hash=one["prev_hash"].upper()),
    "spaced prev_hash": lambda one, two: one.update(prev_hash=one["prev_hash"][:62] + " " + one["prev_hash"][63:]),
    "short prev_hash": lambda one, two: one.update(prev_hash=one["prev_hash"][:62]),
    "action too long": lambda one, two: one.update(action="phi." + "v" * 61),
    "unknown outcome": lambda one, two: one.update(outcome="maybe"),
    "phi in detail": lambda one, two: one.update(detail={"note": "call me at 555 123 4567"}),
    "nan in detail": lambda one, two: one.update(detail={"score": float("nan")}),
    "huge detail": lambda one, two: one.update(detail={f"k{i:03d}": i % 10 for i in range(200)}),
    "bool seq": lambda one, two: one.update(seq=True),
    "float seq": lambda one, two: one.update(seq=float(one["seq"])),
    "extra field": lambda one, two: one.update(note="x"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_each_problem_leaves_the_batch_to_the_exact_path_even_when_rehashed(ctx: ServerContext,
                                                                           change: str) -> None:
    events = make_batch([{"caller_type": "caregiver"}] * 3, ["pat-1", None, "pat-3"])
    assert fast(ctx, events) is not None
    CHANGES[change](events[1], events[2])
    relink(events, 1)  # a valid hash, so the problem itself is what is refused
    assert fast(ctx, events) is None
    assert isinstance(exact(ctx, events), str), change


def unescaped_hash(event: dict[str, Any]) -> str:
    """A hash over the canonical text with string values left unescaped: what a client would
    send to slip a newline-joined value past a check that trusted the shapes alone."""
    body = {k: v for k, v in event.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).replace("\\n", "\n")
    return hashlib.sha256(bytes.fromhex(event["prev_hash"]) + text.encode()).hexdigest()


@pytest.mark.parametrize("field", ["id", "ts", "patient", "call_id"])
def test_two_values_joined_by_a_newline_are_refused_even_if_hashed_unescaped(ctx: ServerContext,
                                                                               field: str) -> None:
    events = make_batch([{}, {}], ["pat-1", "pat-2"])
    events[0]["call_id"] = "call-0"
    events[0][field] = f"{events[0][field]}\n{events[1][field]}"
    events[0]["hash"] = unescaped_hash(events[0])
    events[1]["prev_hash"] = events[0]["hash"]
    events[1]["hash"] = reference_hash(events[1])
    assert fast(ctx, events) is None
    assert isinstance(exact(ctx, events), str)


def test_a_batch_at_the_seq_limit_is_taken_and_one_past_it_is_not(ctx: ServerContext) -> None:
    assert assert_agree(ctx, make_batch([{}, {}], [None, None], first_seq=2**62 - 1)) is not None
    events = make_batch([{}, {}], [None, None], first_seq=2**62)
    assert fast(ctx, events) is None
    assert isinstance(exact(ctx, events), str)


def test_details_that_compare_equal_but_encode_differently_keep_their_own_text(ctx: ServerContext) -> None:
    """1 == 1.0 == True in Python, not in the canonical form: the route's detail cache must
    tell them apart, and must never cache a refused detail."""
    details: list[dict[str, Any]] = [{"n": 1}, {"n": 1.0}, {"n": True}, {"n": 1}, {"n": [1]}, {"n": [True]}]
    events = orjson.loads(json.dumps(make_batch(details, [None] * len(details))))
    rows = fast(ctx, events, from_wire=True)
    assert rows is not None and [r[10] for r in rows] == [
        '{"n":1}', '{"n":1.0}', '{"n":true}', '{"n":1}', '{"n":[1]}', '{"n":[true]}']
    for _ in range(2):  # the second time from the cache
        phi = orjson.loads(json.dumps(make_batch([{"note": "call me at 555 123 4567"}], [None])))
        assert fast(ctx, phi, from_wire=True) is None
        assert isinstance(exact(ctx, phi), str)


def test_a_detail_nested_deeper_than_orjson_writes_is_decided_not_crashed_on(ctx: ServerContext) -> None:
    """orjson reads 1024 levels but writes 254: the route's detail cache cannot key such a
    detail, so it is checked as any other (2 KB allow about 1000 levels of brackets)."""
    body = json.dumps(make_batch([{}], [None])).replace('"detail": {}', '"detail": {"a": ' + "[" * 300 + "]" * 300 + "}")
    events = orjson.loads(body)
    relink(events, 0)
    assert assert_agree(ctx, events) is None
    assert exact(ctx, events) == "events[0]: detail.a[0][0][0]: nested too deeply"


def test_the_token_and_device_must_be_well_formed_for_the_column_path(ctx: ServerContext) -> None:
    events = make_batch([{}], [None])
    assert fast(ctx, events) is not None
    assert fast(ctx, events, actor=("a1001", "auditor")) is None
    assert fast(ctx, events, device_id="dev-7\n") is None


def test_a_lone_uuid_or_event_list_shape_problem_is_left_to_the_exact_path(ctx: ServerContext) -> None:
    events = make_batch([{}, {}], [None, None])
    events[1]["id"] = uuid7().upper()
    assert fast(ctx, events) is None
    assert fast(ctx, []) is None
    assert fast(ctx, [events[0], None]) is None
