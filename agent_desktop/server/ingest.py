"""Batch ingest: validated, chain-verified against the device's stored tip, all-or-nothing.

Idempotent by event id: events already stored (same id, seq and hash) count as duplicates,
and a replayed batch gets the same receipt (Ed25519 is deterministic). A gap, a bad link,
an edited event or a different event at a stored seq is a chain break: 409 with the first
bad seq, nothing stored, and a tamper alert for auditors.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import chain
from typing import Any, NamedTuple

from agent_desktop.audit.event import (
    InvalidEventAt,
    chain_hash,
    check_events,
    utc_timestamp,
)
from agent_desktop.server.batch_columns import MAX_SEQ, Row, batch_rows, check_columns
from agent_desktop.server.context import MAX_EVENTS_PER_BATCH, ServerContext
from agent_desktop.server.errors import (
    ApiError,
    BadRequest,
    ChainConflict,
    Conflict,
    DeviceRevoked,
    Forbidden,
)
from agent_desktop.server.heads import Alert, Head, judge
from agent_desktop.server.rows import event_row

log = logging.getLogger(__name__)

INSERT_EVENT = ("INSERT INTO events (id, device_id, seq, ts, actor_user, actor_role, action, patient,"
                " call_id, outcome, detail, prev_hash, hash, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_HASH_RE = re.compile(r"[0-9a-f]{64}\Z")
# events per slice when the database takes rows while the next slice is checked (PostgreSQL)
STREAM_SLICE = 100


class ActorMismatch(Forbidden):
    code = "actor_mismatch"


class Recomputed(NamedTuple):
    """What the server derives from an event itself rather than trusting the client."""

    hash: str
    detail_text: str  # canonical JSON of detail, as stored


def ts_bounds(ctx: ServerContext, now: float) -> tuple[str, str]:
    """The oldest and newest timestamp a batch may hold at ``now``: within the retention period
    and at most ``max_future_skew_s`` ahead. Validated timestamps share one fixed-width format,
    so they compare as strings."""
    return (utc_timestamp(now - ctx.retention_days * 86400.0),
            utc_timestamp(now + ctx.max_future_skew_s))


def check_batch(ctx: ServerContext, device_id: str, events: Sequence[Any],
                actor: tuple[str, str] | None = None) -> list[Recomputed]:
    """Validate shape and content without the database; return what was computed per event.

    ``actor`` is the (agent id, role) of the posting token: every event must name exactly
    that actor, so per-user views and breach reports blame whoever held the device.

    Each event's canonical JSON is encoded once, by validation, and reused for the hash
    recomputation and the stored detail text. ``events`` are parsed JSON (string keys only),
    which lets validation reuse the PHI guard's verdict on a detail text it has seen.
    """
    if not events:
        raise BadRequest("events: the batch is empty")
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise BadRequest(f"events: at most {MAX_EVENTS_PER_BATCH} events per batch")
    try:
        parts = check_events(events, device_id=device_id, actor=actor, parsed_json=True)
    except InvalidEventAt as err:
        raise BadRequest(f"events[{err.index}]: {err.message}") from None
    oldest, horizon = ts_bounds(ctx, ctx.clock())
    seen: set[str] = set()
    checked: list[Recomputed] = []
    hash_ok = _HASH_RE.match
    first_seq = events[0]["seq"]
    for i, (event, part) in enumerate(zip(events, parts, strict=True)):
        digest = event["hash"]
        if type(digest) is not str or not hash_ok(digest):
            raise BadRequest(f"events[{i}]: hash: expected 64 lowercase hex digits")
        if actor is not None:
            claimed = event["actor"]
            if claimed["user"] != actor[0] or claimed["role"] != actor[1]:
                raise ActorMismatch(f"events[{i}]: actor is not this device's agent and role "
                                    f"({actor[0]}, {actor[1]}); a device records only its own agent's actions")
        seq = event["seq"]
        if seq > MAX_SEQ:
            raise BadRequest(f"events[{i}]: seq larger than {MAX_SEQ}")
        if event["device_id"] != device_id:
            raise BadRequest(f"events[{i}]: device_id is not the batch's device")
        event_id = event["id"]
        if event_id in seen:
            raise BadRequest(f"events[{i}]: id repeats an earlier event of this batch")
        seen.add(event_id)
        when = event["ts"]
        if when > horizon:
            raise BadRequest(f"events[{i}]: ts lies more than {ctx.max_future_skew_s:.0f}s in the "
                             "future; check the workstation clock")
        if when < oldest:
            raise BadRequest(f"events[{i}]: ts is older than the retention period")
        if seq != first_seq + i:
            raise ChainConflict(f"events[{i}]: seq {seq} out of order (expected "
                                f"{first_seq + i})", first_seq + i)
        checked.append(Recomputed(chain_hash(event["prev_hash"], part.canonical), part.detail_text))
    return checked


def record_alert(ctx: ServerContext, kind: str, device_id: str | None, seq: int | None,
                 detail: Mapping[str, Any]) -> None:
    with ctx.db.transaction():
        ctx.db.execute("INSERT INTO alerts (ts, kind, device_id, seq, detail) VALUES (?, ?, ?, ?, ?)",
                       (utc_timestamp(ctx.clock()), kind, device_id, seq, json.dumps(detail)))
    log.warning("audit alert %s on device %s at seq %s", kind, device_id, seq)


def record_alerts(ctx: ServerContext, device_id: str, alerts: Sequence[Alert]) -> None:
    for kind, seq, detail in alerts:
        record_alert(ctx, kind, device_id, seq, detail)


def ingest_batch(ctx: ServerContext, device_id: str, events: Sequence[Any], *,
                 actor: tuple[str, str] | None = None, head: Head | None = None,
                 from_wire: bool = False) -> dict[str, Any]:
    """Store a batch; ``actor`` binds events to the token's agent, ``head`` is the outbox head
    the workstation reported (checked in the same transaction, alerts recorded after it).
    ``from_wire``: the events are exactly what ``wire.parse_batch`` (orjson) returned."""
    alerts: list[Alert] = []
    try:
        result = _ingest(ctx, device_id, events, actor, head, alerts, from_wire)
    except ChainConflict as err:
        record_alert(ctx, "chain_break", device_id, err.first_bad_seq, {"message": err.message})
        raise
    except Conflict as err:  # an event id another device already used: a replay from elsewhere
        record_alert(ctx, "id_conflict", device_id, None, {"message": err.message})
        raise
    record_alerts(ctx, device_id, alerts)
    return result


def event_rows(ctx: ServerContext, device_id: str, events: Sequence[Any], actor: tuple[str, str] | None,
               now: float, from_wire: bool = False) -> list[tuple[Any, ...]]:
    """The events table rows of a valid batch; raises on the first problem (nothing stored).

    The common batch (one device, the token's actor, well-formed events) is checked a column
    at a time (:mod:`agent_desktop.server.batch_columns`); any other goes event by event
    through :func:`check_batch`, which names what is wrong.
    """
    received = utc_timestamp(now)
    if actor is not None:
        oldest, horizon = ts_bounds(ctx, now)
        rows = batch_rows(events, device_id, actor, not_before=oldest, not_after=horizon,
                          received_at=received, from_wire=from_wire)
        if rows is not None:
            return rows
    checked = check_batch(ctx, device_id, events, actor)
    for event, ok in zip(events, checked, strict=True):
        if ok.hash != event["hash"]:
            raise ChainConflict(f"seq {event['seq']}: hash does not match the event's content",
                                int(event["seq"]))
    return [event_row(e, received, ok.detail_text) for e, ok in zip(events, checked, strict=True)]


class _Unproven(Exception):
    """A streamed slice did not pass its per-event checks: the exact path decides the batch."""


def _ingest(ctx: ServerContext, device_id: str, events: Sequence[Any], actor: tuple[str, str] | None,
            head: Head | None, alerts: list[Alert], from_wire: bool) -> dict[str, Any]:
    now = ctx.clock()
    if actor is not None and ctx.db.streams_inserts:
        # PostgreSQL stores each slice (COPY) while the next one's details and hashes are
        # checked here. Any refusal rolls the transaction back and the batch goes the exact
        # way below, so what is refused, and in which order, is what the exact path says.
        oldest, horizon = ts_bounds(ctx, now)
        columns = check_columns(events, device_id, actor, not_before=oldest, not_after=horizon,
                                received_at=utc_timestamp(now), from_wire=from_wire)
        if columns is not None:
            def proven(start: int, stop: int) -> list[Row]:
                rows = columns.rows(start, stop)
                if rows is None:
                    raise _Unproven
                return rows

            try:
                return _store(ctx, device_id, events, head, alerts, proven, STREAM_SLICE)
            except (_Unproven, ApiError):
                alerts.clear()
    # rows are built before the transaction so the device row lock (and SQLite's write
    # lock) is held for the database work only; the new events are a suffix of the batch
    rows = event_rows(ctx, device_id, events, actor, now, from_wire)
    return _store(ctx, device_id, events, head, alerts, lambda start, stop: rows[start:stop], len(rows))


def _store(ctx: ServerContext, device_id: str, events: Sequence[Any], head: Head | None,
           alerts: list[Alert], rows: Callable[[int, int], list[Row]], per_slice: int) -> dict[str, Any]:
    """Check the batch against the stored chain and insert its new events, in one transaction.
    ``rows(start, stop)`` gives the rows of those events (or raises), ``per_slice`` at a time."""
    db = ctx.db
    first_seq = int(events[0]["seq"])
    with db.write_transaction("SELECT status, last_seq, last_hash, reported_seq, reported_hash FROM devices"
                              " WHERE device_id = ?" + db.for_update, (device_id,)) as tx:
        row = tx.row
        if row is None:
            raise Forbidden("this device is not enrolled")
        if row[0] != "active":
            raise DeviceRevoked("this device has been revoked; it must wipe its vault")
        last_seq, last_hash = int(row[1]), str(row[2])
        stored_count = min(max(last_seq - first_seq + 1, 0), len(events))
        old, new = events[:stored_count], events[stored_count:]
        if old:
            rows(0, stored_count)  # every event of a batch is checked, duplicates included
            stored = {int(s): (i, h) for s, i, h in db.query(
                "SELECT seq, id, hash FROM events WHERE device_id = ? AND seq BETWEEN ? AND ?",
                (device_id, first_seq, old[-1]["seq"]))}
            for event in old:
                if stored.get(event["seq"]) != (event["id"], event["hash"]):
                    raise ChainConflict(f"seq {event['seq']}: a different event is already stored "
                                        "at this seq (forked history)", int(event["seq"]))
        if new:
            prev_seq, prev_hash = last_seq, last_hash
            for event in new:
                if event["seq"] != prev_seq + 1:
                    raise ChainConflict(f"seq {prev_seq + 1} is missing (the batch continues at "
                                        f"{event['seq']})", prev_seq + 1)
                if event["prev_hash"] != prev_hash:
                    raise ChainConflict(f"seq {event['seq']}: prev_hash does not link to the "
                                        "previous stored event", int(event["seq"]))
                prev_seq, prev_hash = int(event["seq"]), str(event["hash"])
            slices: Iterator[list[Row]] = (rows(at, min(at + per_slice, len(events)))
                                           for at in range(stored_count, len(events), per_slice))
            try:
                db.insert_events(chain.from_iterable(slices))
            except db.integrity_errors:
                raise Conflict("an event id of this batch is already stored for another device "
                               "or position") from None
            tx.execute_before_commit("UPDATE devices SET last_seq = ?, last_hash = ? WHERE device_id = ?",
                                     (prev_seq, prev_hash, device_id))
            last_seq, last_hash = prev_seq, prev_hash
        if head is not None:
            alerts.extend(note_head(ctx, device_id, head, row[3:5], (last_seq, last_hash)))
    last = events[-1]
    return {"accepted": len(new), "duplicates": len(old), "last_seq": int(last["seq"]),
            "last_hash": last["hash"],
            "receipt": ctx.signer.receipt(device_id, int(last["seq"]), str(last["hash"]))}


def note_head(ctx: ServerContext, device_id: str, head: Head, reported_row: Sequence[Any],
              stored: Head) -> list[Alert]:
    """Judge and remember a reported outbox head; runs inside the caller's transaction."""
    reported = None if reported_row[0] is None else (int(reported_row[0]), str(reported_row[1]))
    if head == reported:
        return []
    db = ctx.db

    def hash_at(seq: int) -> str | None:
        row = db.one("SELECT hash FROM events WHERE device_id = ? AND seq = ?", (device_id, seq))
        return None if row is None else str(row[0])

    found = judge(head, reported=reported, stored=stored, hash_at=hash_at)
    db.execute("UPDATE devices SET reported_seq = ?, reported_hash = ? WHERE device_id = ?",
               (head[0], head[1], device_id))
    return found


def report_head(ctx: ServerContext, device_id: str, head: Head) -> None:
    """A head reported without a batch (the idle status check)."""
    db = ctx.db
    with db.transaction():
        row = db.one("SELECT last_seq, last_hash, reported_seq, reported_hash FROM devices"
                     " WHERE device_id = ?" + db.for_update, (device_id,))
        if row is None:
            return
        alerts = note_head(ctx, device_id, head, row[2:4], (int(row[0]), str(row[1])))
    record_alerts(ctx, device_id, alerts)
