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
from typing import Any

from agent_desktop.audit.event import (
    InvalidEvent,
    compute_hash,
    utc_timestamp,
    validate_event,
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


def check_batch(ctx: ServerContext, device_id: str, events: Sequence[Any]) -> list[str]:
    """Validate shape and content without the database; return each event's computed hash."""
    if not events:
        raise BadRequest("events: the batch is empty")
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise BadRequest(f"events: at most {MAX_EVENTS_PER_BATCH} events per batch")
    # validated timestamps share one fixed-width format, so they compare as strings
    now = ctx.clock()
    horizon = utc_timestamp(now + ctx.max_future_skew_s)
    oldest = utc_timestamp(now - ctx.retention_days * 86400.0)
    seen: set[str] = set()
    hashes: list[str] = []
    for i, event in enumerate(events):
        try:
            validate_event(event, check_hash=False)
        except InvalidEvent as err:
            raise BadRequest(f"events[{i}]: {err}") from None
        if not isinstance(event["hash"], str):
            raise BadRequest(f"events[{i}]: hash: expected 64 lowercase hex digits")
        if event["seq"] > MAX_SEQ:
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
        if i and event["seq"] != events[0]["seq"] + i:
            raise ChainConflict(f"events[{i}]: seq {event['seq']} out of order (expected "
                                f"{events[0]['seq'] + i})", events[0]["seq"] + i)
        hashes.append(compute_hash(event))
    return hashes


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
    hashes = check_batch(ctx, device_id, events)
    db = ctx.db
    first_seq = int(events[0]["seq"])
    for event, digest in zip(events, hashes, strict=True):
        if digest != event["hash"]:
            raise ChainConflict(f"seq {event['seq']}: hash does not match the event's content",
                                int(event["seq"]))
    received = utc_timestamp(ctx.clock())
    with db.transaction():
        row = db.one("SELECT status, last_seq, last_hash FROM devices WHERE device_id = ?"
                     + db.for_update, (device_id,))
        if row is None:
            raise Forbidden("this device is not enrolled")
        if row[0] != "active":
            raise DeviceRevoked("this device has been revoked; it must wipe its vault")
        last_seq, last_hash = int(row[1]), str(row[2])
        old = [e for e in events if e["seq"] <= last_seq]
        new = [e for e in events if e["seq"] > last_seq]
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
                db.insert_events([event_row(e, received) for e in new])
            except db.integrity_errors:
                raise Conflict("an event id of this batch is already stored for another device "
                               "or position") from None
            db.execute("UPDATE devices SET last_seq = ?, last_hash = ? WHERE device_id = ?",
                       (prev_seq, prev_hash, device_id))
    last = events[-1]
    return {"accepted": len(new), "duplicates": len(old), "last_seq": int(last["seq"]),
            "last_hash": last["hash"],
            "receipt": ctx.signer.receipt(device_id, int(last["seq"]), str(last["hash"]))}
