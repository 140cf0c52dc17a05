"""Auditor queries: filtered, cursor-paginated events and per-device chain verification."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from agent_desktop.audit.event import (
    ChainBreak,
    InvalidEvent,
    parse_timestamp,
    utc_timestamp,
    verify_chain,
)
from agent_desktop.server.db import Database
from agent_desktop.server.errors import BadRequest, NotFound
from agent_desktop.server.rows import EVENT_COLUMNS, row_event

MAX_PAGE = 1000


@dataclass(frozen=True)
class EventFilter:
    patient: str | None = None
    actor: str | None = None
    action: str | None = None
    device_id: str | None = None
    since: str | None = None  # inclusive
    until: str | None = None  # exclusive
    actions: tuple[str, ...] = ()


def normalise_time(value: str | None, name: str) -> str | None:
    """Accept any ISO 8601 instant with a zone and store-compare it as ``...mmmZ``."""
    if value is None:
        return None
    try:
        return utc_timestamp(parse_timestamp(value))
    except InvalidEvent:
        pass
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise BadRequest(f"{name}: give a time zone, e.g. 2026-11-28T03:00:00Z")
        return utc_timestamp(moment)
    except (ValueError, OverflowError):
        raise BadRequest(f"{name}: {value[:40]!r} is not an ISO 8601 time, e.g. 2026-11-28T03:00:00Z") from None


def _where(flt: EventFilter) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("patient", flt.patient), ("actor_user", flt.actor),
                          ("action", flt.action), ("device_id", flt.device_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if flt.actions:
        clauses.append("action IN (" + ", ".join("?" for _ in flt.actions) + ")")
        params.extend(flt.actions)
    if flt.since is not None:
        clauses.append("ts >= ?")
        params.append(flt.since)
    if flt.until is not None:
        clauses.append("ts < ?")
        params.append(flt.until)
    return clauses, params


def encode_cursor(ts: str, event_id: str) -> str:
    return base64.urlsafe_b64encode(f"{ts}|{event_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        ts, event_id = raw.split("|")
        parse_timestamp(ts)
        uuid.UUID(event_id)
    except (ValueError, binascii.Error, UnicodeDecodeError, InvalidEvent):
        raise BadRequest("cursor: not a cursor from a previous page") from None
    return ts, event_id


def find_events(db: Database, flt: EventFilter, *, newest_first: bool = True, limit: int = 100,
                cursor: str | None = None) -> dict[str, Any]:
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit: between 1 and {MAX_PAGE}")
    clauses, params = _where(flt)
    if cursor:
        ts, event_id = decode_cursor(cursor)
        op = "<" if newest_first else ">"
        clauses.append(f"(ts {op} ? OR (ts = ? AND id {op} ?))")
        params.extend([ts, ts, event_id])
    direction = "DESC" if newest_first else "ASC"
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = db.query(f"SELECT {EVENT_COLUMNS} FROM events{where}"
                    f" ORDER BY ts {direction}, id {direction} LIMIT ?", (*params, limit + 1))
    events = [row_event(r) for r in rows[:limit]]
    next_cursor = encode_cursor(events[-1]["ts"], events[-1]["id"]) if len(rows) > limit else None
    return {"events": events, "next_cursor": next_cursor}


def iter_events(db: Database, flt: EventFilter, page: int = 1000) -> Iterator[dict[str, Any]]:
    """Every matching event, oldest first (reports and exports)."""
    cursor = None
    while True:
        result = find_events(db, flt, newest_first=False, limit=page, cursor=cursor)
        yield from result["events"]
        cursor = result["next_cursor"]
        if cursor is None:
            return


def verify_device(db: Database, device_id: str, page: int = 2000) -> dict[str, Any]:
    """Re-verify a device's stored chain from its first retained event to its recorded tip."""
    row = db.one("SELECT last_seq, last_hash, status FROM devices WHERE device_id = ?", (device_id,))
    if row is None:
        raise NotFound("no such device")
    tip_seq, tip_hash, state = int(row[0]), str(row[1]), row[2]
    alerts = db.one("SELECT COUNT(*) FROM alerts WHERE device_id = ?", (device_id,))
    result: dict[str, Any] = {"device_id": device_id, "device_status": state, "last_seq": tip_seq,
                              "last_hash": tip_hash, "alerts": int(alerts[0]) if alerts else 0}
    first = db.one("SELECT seq, prev_hash FROM events WHERE device_id = ? ORDER BY seq LIMIT 1",
                   (device_id,))
    if first is None:
        ok = tip_seq == 0
        result.update(status="intact" if ok else "broken", events=0, first_seq=None,
                      first_bad_seq=None if ok else 1,
                      problem=None if ok else "events recorded as stored are missing")
        return result
    prev_seq, prev_hash = int(first[0]) - 1, str(first[1])
    result["first_seq"] = prev_seq + 1  # > 1 after a retention purge
    count = 0
    try:
        while True:
            # up to the tip read above: events ingested meanwhile are not this snapshot's
            rows = db.query(f"SELECT {EVENT_COLUMNS} FROM events WHERE device_id = ? AND seq > ?"
                            " AND seq <= ? ORDER BY seq LIMIT ?", (device_id, prev_seq, tip_seq, page))
            if not rows:
                break
            prev_seq, prev_hash = verify_chain((row_event(r) for r in rows), prev_hash, prev_seq)
            count += len(rows)
        if (prev_seq, prev_hash) != (tip_seq, tip_hash):
            raise ChainBreak(prev_seq + 1, "stored events end before the device's recorded tip")
    except ChainBreak as err:
        result.update(status="broken", events=count, first_bad_seq=err.seq, problem=err.message)
        return result
    result.update(status="intact", events=count, first_bad_seq=None, problem=None)
    return result


def directory_reads(db: Database, *, patient: str | None, device_id: str | None, agent: str | None,
                    limit: int) -> dict[str, Any]:
    """Directory reads recorded by the server, newest first (who read which patient)."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("patient", patient), ("device_id", device_id), ("agent_id", agent)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = db.query("SELECT ts, device_id, agent_id, interaction, resource_type, patient FROM directory_reads"
                    f"{where} ORDER BY id DESC LIMIT ?", (*params, limit))
    return {"reads": [{"ts": t, "device_id": d, "agent_id": a, "interaction": i, "resource_type": r,
                       "patient": p} for t, d, a, i, r, p in rows]}
