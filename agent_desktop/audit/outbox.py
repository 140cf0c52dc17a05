"""The outbox inside the vault: plain functions over the vault's SQLCipher connection.

Every function here runs on the vault connection (inside ``Vault.transaction``/``submit``,
``Vault.transact`` or an unlock hook); none commits by itself, so callers decide the
transaction boundary.

The head of the chain (the last event ever recorded) is the newest outbox row, or the
head stored in ``audit_chain_state`` when that is further: recording an event writes its
row and nothing else (one page in the commit). The stored head is a checkpoint moved by
every batch write (``store``: the unlock's events) and every receipt (``acknowledge``), so
it is never behind once the outbox has been emptied by a sync, and an outbox that ends
below it has lost events (``verify_local`` says so; the keyring anchor, see
``anchor.py``, covers the events since the last checkpoint).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from agent_desktop.audit.event import (
    GENESIS_HASH,
    ChainBreak,
    PreparedEvent,
    build_event,
    verify_chain,
)
from agent_desktop.errors import AgentDesktopError


class OutboxOwnedByOtherDevice(AgentDesktopError):
    """The vault's audit chain belongs to another enrolled device id."""


@dataclass(frozen=True)
class ChainState:
    device_id: str
    last_seq: int  # the head: the newest stored event, or the checkpoint when further
    last_hash: str
    acked_seq: int
    acked_hash: str
    last_sync_ts: str | None
    halted_seq: int | None
    halted_reason: str | None
    checkpoint_seq: int  # the head as last stored in audit_chain_state
    checkpoint_hash: str

    @property
    def halted(self) -> bool:
        return self.halted_reason is not None


@dataclass(frozen=True)
class Batch:
    """Stored events in seq order, as the exact JSON text that was hashed."""

    first_seq: int
    last_seq: int
    last_hash: str
    ids: list[str]
    bodies: list[str]

    def payload(self, device_id: str) -> bytes:
        # the stored text is spliced in as is: no re-encoding, so the server sees the very
        # bytes whose hashes were chained
        return (f'{{"device_id":{json.dumps(device_id)},"events":['
                + ",".join(self.bodies) + "]}").encode("utf-8")


def encode(event: Mapping[str, Any]) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


# one read: the state row and the newest outbox row (the b-tree's last leaf). Scalar
# subqueries, not a join: SQLite would materialise the joined subquery, and with
# cipher_memory_security each allocation is an mlock/munlock pair, on every record.
_STATE_SQL = (
    "SELECT device_id, last_seq, last_hash, acked_seq, acked_hash, last_sync_ts, halted_seq, "
    "halted_reason, (SELECT seq FROM audit_outbox ORDER BY seq DESC LIMIT 1), "
    "(SELECT hash FROM audit_outbox ORDER BY seq DESC LIMIT 1) "
    "FROM audit_chain_state WHERE singleton = 1")


def chain_state(conn: Any) -> ChainState | None:
    row = conn.execute(_STATE_SQL).fetchone()
    if row is None:
        return None
    (device_id, stored_seq, stored_hash, acked_seq, acked_hash, last_sync_ts, halted_seq,
     halted_reason, tail_seq, tail_hash) = row
    if tail_seq is not None and tail_seq > stored_seq:
        head_seq, head_hash = tail_seq, tail_hash
    else:
        head_seq, head_hash = stored_seq, stored_hash
    return ChainState(device_id, head_seq, head_hash, acked_seq, acked_hash, last_sync_ts,
                      halted_seq, halted_reason, stored_seq, stored_hash)


def ensure_chain_state(conn: Any, device_id: str) -> ChainState:
    state = chain_state(conn)
    if state is None:
        conn.execute(
            "INSERT INTO audit_chain_state (singleton, device_id, last_seq, last_hash, "
            "acked_seq, acked_hash) VALUES (1, ?, 0, ?, 0, ?)",
            (device_id, GENESIS_HASH, GENESIS_HASH))
        state = chain_state(conn)
        assert state is not None
    elif state.device_id != device_id:
        raise OutboxOwnedByOtherDevice(
            "This vault's audit trail belongs to another device enrolment.",
            "Sync or export the existing trail before re-enrolling this workstation.")
    return state


def append(conn: Any, *, device_id: str, user: str, role: str, action: str,
           outcome: str, patient: str | None, call_id: str | None,
           detail: Mapping[str, Any] | None, ts: str, event_id: str) -> dict[str, Any]:
    """Build the next event of the chain, store it and checkpoint the head; returns it."""
    state = ensure_chain_state(conn, device_id)
    event = build_event(device_id=device_id, seq=state.last_seq + 1, prev_hash=state.last_hash,
                        user=user, role=role, action=action, outcome=outcome, patient=patient,
                        call_id=call_id, detail=detail, ts=ts, event_id=event_id)
    store(conn, [event])
    return event


def append_prepared(conn: Any, prepared: PreparedEvent,
                    head: tuple[int, str] | None = None) -> dict[str, Any]:
    """:func:`append` for an event validated on the caller's thread: one hash, one INSERT,
    nothing re-checked. The row is the new head, so the commit carries one page (the
    outbox's last leaf) in the common case.

    ``head``: the ``(seq, hash)`` this process appended last. While the newest row is still
    exactly that, it is the head (the checkpoint only moves to the head: a receipt that
    empties the outbox, another process's events or a failed commit all change the newest
    row), so the full state is not read; otherwise it is.
    """
    device_id = prepared.fields["device_id"]
    if head is not None:
        newest = conn.execute(
            "SELECT seq, hash FROM audit_outbox ORDER BY seq DESC LIMIT 1").fetchone()
        if newest is not None and newest[0] == head[0] and newest[1] == head[1]:
            return _insert(conn, *prepared.complete(head[0] + 1, head[1]))
    state = chain_state(conn)
    if state is None or state.device_id != device_id:
        state = ensure_chain_state(conn, device_id)  # first event, or another device's chain
    return _insert(conn, *prepared.complete(state.last_seq + 1, state.last_hash))


def _insert(conn: Any, event: dict[str, Any], body: str) -> dict[str, Any]:
    conn.execute("INSERT INTO audit_outbox (seq, id, hash, body) VALUES (?, ?, ?, ?)",
                 (event["seq"], event["id"], event["hash"], body))
    return event


def store(conn: Any, events: list[dict[str, Any]]) -> None:
    """Insert already-built events that continue the chain, and checkpoint the head."""
    if not events:
        return
    conn.executemany("INSERT INTO audit_outbox (seq, id, hash, body) VALUES (?, ?, ?, ?)",
                     [(e["seq"], e["id"], e["hash"], encode(e)) for e in events])
    conn.execute("UPDATE audit_chain_state SET last_seq = ?, last_hash = ? WHERE singleton = 1",
                 (events[-1]["seq"], events[-1]["hash"]))


def read_batch(conn: Any, limit: int, after_seq: int = 0) -> Batch | None:
    """The oldest ``limit`` stored events with seq above ``after_seq``."""
    rows = conn.execute("SELECT seq, id, body FROM audit_outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                        (after_seq, limit)).fetchall()
    if not rows:
        return None
    # from the body, the bytes the server checks (the hash column only finds the head)
    last_hash = json.loads(rows[-1][2])["hash"]
    return Batch(first_seq=rows[0][0], last_seq=rows[-1][0], last_hash=last_hash,
                 ids=[r[1] for r in rows], bodies=[r[2] for r in rows])


def hash_at(conn: Any, seq: int) -> str | None:
    """The hash of event ``seq`` while it is still stored, or at the receipted point."""
    row = conn.execute("SELECT body FROM audit_outbox WHERE seq = ?", (seq,)).fetchone()
    if row is not None:
        return str(json.loads(row[0])["hash"])
    state = chain_state(conn)
    return state.acked_hash if state is not None and state.acked_seq == seq else None


def acknowledge(conn: Any, last_seq: int, last_hash: str, when: str) -> int:
    """Delete the events a verified receipt covers; keep the receipted point and checkpoint
    the head (read before the delete: the receipted events may be all there is). Returns
    the count."""
    state = chain_state(conn)
    head = (state.last_seq, state.last_hash) if state is not None else (last_seq, last_hash)
    if head[0] < last_seq:  # a receipt past the head: only a tampered outbox gets here
        head = (last_seq, last_hash)
    cur = conn.execute("DELETE FROM audit_outbox WHERE seq <= ?", (last_seq,))
    conn.execute("UPDATE audit_chain_state SET acked_seq = ?, acked_hash = ?, last_sync_ts = ?, "
                 "last_seq = ?, last_hash = ? WHERE singleton = 1",
                 (last_seq, last_hash, when, *head))
    return int(cur.rowcount)


def halt(conn: Any, seq: int | None, reason: str) -> None:
    conn.execute("UPDATE audit_chain_state SET halted_seq = ?, halted_reason = ? WHERE singleton = 1",
                 (seq, reason))


def clear_halt(conn: Any) -> None:
    conn.execute("UPDATE audit_chain_state SET halted_seq = NULL, halted_reason = NULL "
                 "WHERE singleton = 1")


def backlog(conn: Any) -> int:
    """Events recorded but not yet receipted: the head's seq minus the receipted one (the
    state row and the newest row, by primary key; a count(*) would decrypt every page of a
    large backlog once per sync round)."""
    state = chain_state(conn)
    return state.last_seq - state.acked_seq if state else 0


def stored_events(conn: Any) -> Iterable[dict[str, Any]]:
    for (body,) in conn.execute("SELECT body FROM audit_outbox ORDER BY seq"):
        yield json.loads(body)


@dataclass(frozen=True)
class LocalVerification:
    ok: bool
    events: int
    acked_seq: int
    last_seq: int
    problem: str | None
    broken_seq: int | None


def verify_local(conn: Any) -> LocalVerification:
    """Recompute the chain of what is still stored, from the last receipted point to the head."""
    state = chain_state(conn)
    if state is None:
        return LocalVerification(True, 0, 0, 0, None, None)
    count = 0

    def counted() -> Iterable[dict[str, Any]]:
        nonlocal count
        for event in stored_events(conn):
            count += 1
            yield event

    try:
        seq, head = verify_chain(counted(), prev_hash=state.acked_hash, prev_seq=state.acked_seq)
        rows = conn.execute("SELECT hash, body FROM audit_outbox ORDER BY seq")
        for event_seq, (stored_hash, body) in enumerate(rows, start=state.acked_seq + 1):
            event = json.loads(body)
            if event.get("device_id") != state.device_id:
                raise ChainBreak(event_seq, "event carries another device id")
            if stored_hash != event["hash"]:  # the column the next record links to
                raise ChainBreak(event_seq, "the stored hash column differs from the event's")
        if seq < state.last_seq:
            raise ChainBreak(seq + 1, f"outbox ends at seq {seq} but the chain head is seq "
                             f"{state.last_seq} (events were removed)")
        if head != state.last_hash:
            raise ChainBreak(seq, f"the newest event (seq {seq}) is not the recorded head "
                             "(it was replaced)")
    except ChainBreak as err:
        return LocalVerification(False, count, state.acked_seq, state.last_seq, str(err), err.seq)
    except (ValueError, KeyError) as err:  # a body that is no longer JSON
        return LocalVerification(False, count, state.acked_seq, state.last_seq,
                                 f"stored event is unreadable: {type(err).__name__}", None)
    return LocalVerification(True, count, state.acked_seq, state.last_seq, None, None)

