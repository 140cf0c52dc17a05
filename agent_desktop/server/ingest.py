"""Batch ingest: validated, chain-verified against the device's stored tip, all-or-nothing.

Idempotent by event id: events already stored (same id, seq and hash) count as duplicates,
and a replayed batch gets the same receipt (Ed25519 is deterministic). A gap, a bad link,
an edited event or a different event at a stored seq is a chain break: 409 with the first
bad seq, nothing stored, and a tamper alert for auditors.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from agent_desktop.audit.event import (
    InvalidEvent,
    chain_hash,
    check_event,
    utc_timestamp,
)
from agent_desktop.server.context import MAX_EVENTS_PER_BATCH, ServerContext
from agent_desktop.server.errors import (
    BadRequest,
    ChainConflict,
    Conflict,
    DeviceRevoked,
    Forbidden,
)
from agent_desktop.server.rows import event_row

log = logging.getLogger(__name__)

MAX_SEQ = 2**62  # fits BIGINT and SQLite INTEGER with room to spare
INSERT_EVENT = ("INSERT INTO events (id, device_id, seq, ts, actor_user, actor_role, action, patient,"
                " call_id, outcome, detail, prev_hash, hash, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class Recomputed(NamedTuple):
    """What the server derives from an event itself rather than trusting the client."""

    hash: str
    detail_text: str  # canonical JSON of detail, as stored


def check_batch(ctx: ServerContext, device_id: str, events: Sequence[Any]) -> list[Recomputed]:
    """Validate shape and content without the database; return what was computed per event.

    Each event's canonical JSON is encoded once, by validation, and reused for the hash
    recomputation and the stored detail text.
    """
    if not events:
        raise BadRequest("events: the batch is empty")
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise BadRequest(f"events: at most {MAX_EVENTS_PER_BATCH} events per batch")
    # validated timestamps share one fixed-width format, so they compare as strings
    now = ctx.clock()
    horizon = utc_timestamp(now + ctx.max_future_skew_s)
    oldest = utc_timestamp(now - ctx.retention_days * 86400.0)
    seen: set[str] = set()
    checked: list[Recomputed] = []
    first_seq = None
    for i, event in enumerate(events):
        try:
            parts = check_event(event)
        except InvalidEvent as err:
            raise BadRequest(f"events[{i}]: {err}") from None
        if not isinstance(event["hash"], str):
            raise BadRequest(f"events[{i}]: hash: expected 64 lowercase hex digits")
        seq = event["seq"]
        if seq > MAX_SEQ:
            raise BadRequest(f"events[{i}]: seq larger than {MAX_SEQ}")
        if event["device_id"] != device_id:
            raise BadRequest(f"events[{i}]: device_id is not the batch's device")
        if event["id"] in seen:
            raise BadRequest(f"events[{i}]: id repeats an earlier event of this batch")
        seen.add(event["id"])
        when = event["ts"]
        if when > horizon:
            raise BadRequest(f"events[{i}]: ts lies more than {ctx.max_future_skew_s:.0f}s in the "
                             "future; check the workstation clock")
        if when < oldest:
            raise BadRequest(f"events[{i}]: ts is older than the retention period")
        if first_seq is None:
            first_seq = seq
        elif seq != first_seq + i:
            raise ChainConflict(f"events[{i}]: seq {seq} out of order (expected "
                                f"{first_seq + i})", first_seq + i)
        checked.append(Recomputed(chain_hash(event["prev_hash"], parts.canonical), parts.detail_text))
    return checked


def record_alert(ctx: ServerContext, kind: str, device_id: str | None, seq: int | None,
                 detail: Mapping[str, Any]) -> None:
    with ctx.db.transaction():
        ctx.db.execute("INSERT INTO alerts (ts, kind, device_id, seq, detail) VALUES (?, ?, ?, ?, ?)",
                       (utc_timestamp(ctx.clock()), kind, device_id, seq, json.dumps(detail)))
    log.warning("audit alert %s on device %s at seq %s", kind, device_id, seq)


def ingest_batch(ctx: ServerContext, device_id: str, events: Sequence[Any]) -> dict[str, Any]:
    try:
        return _ingest(ctx, device_id, events)
    except ChainConflict as err:
        record_alert(ctx, "chain_break", device_id, err.first_bad_seq, {"message": err.message})
        raise
    except Conflict as err:  # an event id another device already used: a replay from elsewhere
        record_alert(ctx, "id_conflict", device_id, None, {"message": err.message})
        raise


def _ingest(ctx: ServerContext, device_id: str, events: Sequence[Any]) -> dict[str, Any]:
    checked = check_batch(ctx, device_id, events)
    db = ctx.db
    first_seq = int(events[0]["seq"])
    for event, ok in zip(events, checked, strict=True):
        if ok.hash != event["hash"]:
            raise ChainConflict(f"seq {event['seq']}: hash does not match the event's content",
                                int(event["seq"]))
    received = utc_timestamp(ctx.clock())
    # rows are built before the transaction so the device row lock (and SQLite's write
    # lock) is held for the database work only; the new events are a suffix of the batch
    rows = [event_row(e, received, ok.detail_text) for e, ok in zip(events, checked, strict=True)]
    with db.transaction():
        row = db.one("SELECT status, last_seq, last_hash FROM devices WHERE device_id = ?"
                     + db.for_update, (device_id,))
        if row is None:
            raise Forbidden("this device is not enrolled")
        if row[0] != "active":
            raise DeviceRevoked("this device has been revoked; it must wipe its vault")
        last_seq, last_hash = int(row[1]), str(row[2])
        stored_count = min(max(last_seq - first_seq + 1, 0), len(events))
        old, new = events[:stored_count], events[stored_count:]
        if old:
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
            try:
                db.insert_events(rows[stored_count:])
            except db.integrity_errors:
                raise Conflict("an event id of this batch is already stored for another device "
                               "or position") from None
            db.execute("UPDATE devices SET last_seq = ?, last_hash = ? WHERE device_id = ?",
                       (prev_seq, prev_hash, device_id))
    last = events[-1]
    return {"accepted": len(new), "duplicates": len(old), "last_seq": int(last["seq"]),
            "last_hash": last["hash"],
            "receipt": ctx.signer.receipt(device_id, int(last["seq"]), str(last["hash"]))}
