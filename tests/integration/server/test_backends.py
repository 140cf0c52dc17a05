"""The storage behaviours on both backends: SQLite and a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_desktop.audit.event import utc_timestamp
from agent_desktop.server import devices, queries
from agent_desktop.server.context import ServerContext
from agent_desktop.server.db import Database, open_database
from agent_desktop.server.errors import ChainConflict, Conflict, Forbidden
from agent_desktop.server.ingest import ingest_batch
from agent_desktop.server.keys import write_key
from agent_desktop.server.migrations import LATEST, current_version, migrate
from agent_desktop.server.retention import purge
from agent_desktop.server.tokens import create_token, lookup
from tests.support.audit_server import make_chain
from tests.support.postgres import PostgresCluster


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.create_database()


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[ServerContext]:
    db = open_database(db_url)
    migrate(db)
    context = ServerContext(db=db, signer=write_key(tmp_path / "key.pem"))
    yield context
    db.close()


def enroll(ctx: ServerContext, agent: str = "agent-1", team: str = "blue") -> dict[str, Any]:
    token = create_token(ctx.db, "enroll", agent_id=agent, team=team)
    principal = lookup(ctx.db, token)
    assert principal is not None
    return devices.enroll(ctx, principal, None)


def count(db: Database, device_id: str) -> int:
    row = db.one("SELECT COUNT(*) FROM events WHERE device_id = ?", (device_id,))
    assert row is not None
    return int(row[0])


def test_migrations_are_recorded_and_rerunning_them_changes_nothing(ctx: ServerContext) -> None:
    assert current_version(ctx.db) == LATEST
    assert migrate(ctx.db) == LATEST
    rows = ctx.db.query("SELECT version FROM schema_version ORDER BY version")
    assert [r[0] for r in rows] == list(range(1, LATEST + 1))


def test_a_refusal_late_in_a_large_batch_stores_nothing_of_it(ctx: ServerContext) -> None:
    from agent_desktop.server.errors import BadRequest

    dev = enroll(ctx)["device_id"]
    chunk = 100
    events = make_chain(dev, 3 * chunk)
    late = [dict(e) for e in events]
    late[2 * chunk + 5]["outcome"] = "failure"  # an edit the hash no longer covers
    with pytest.raises(ChainConflict) as edited:
        ingest_batch(ctx, dev, late)
    assert edited.value.first_bad_seq == 2 * chunk + 6 and count(ctx.db, dev) == 0
    invalid = [dict(e) for e in events]
    invalid[-1]["detail"] = {"note": "Jane Doe"}
    with pytest.raises(BadRequest, match=rf"events\[{3 * chunk - 1}\]: detail.note"):
        ingest_batch(ctx, dev, invalid)
    assert count(ctx.db, dev) == 0
    assert ingest_batch(ctx, dev, events)["accepted"] == 3 * chunk
    assert queries.verify_device(ctx.db, dev)["status"] == "intact"


def test_a_refusal_in_the_last_slice_of_a_token_bound_batch_stores_nothing_of_it(ctx: ServerContext) -> None:
    """The route's path (events bound to the token's actor): on PostgreSQL its rows stream
    into COPY a slice at a time, so a refusal found in the last slice must undo the slices
    already sent, and be the refusal the exact path gives, with one alert."""
    from agent_desktop.audit.event import GENESIS_HASH, build_event
    from agent_desktop.server.errors import BadRequest
    from agent_desktop.server.ingest import STREAM_SLICE

    actor = ("agent-1", "agent")
    dev, other = enroll(ctx, "agent-1")["device_id"], enroll(ctx, "agent-2")["device_id"]
    events = make_chain(dev, 3 * STREAM_SLICE + 7)
    assert ingest_batch(ctx, dev, events[:5], actor=actor)["accepted"] == 5
    rest = events[5:]
    edited = [dict(e) for e in rest]
    edited[-3]["outcome"] = "failure"  # an edit the hash no longer covers
    with pytest.raises(ChainConflict) as err:
        ingest_batch(ctx, dev, edited, actor=actor)
    assert err.value.first_bad_seq == len(events) - 2 and count(ctx.db, dev) == 5
    invalid = [dict(e) for e in rest]
    invalid[-1]["detail"] = {"note": "Jane Doe"}
    with pytest.raises(BadRequest, match=rf"events\[{len(rest) - 1}\]: detail.note"):
        ingest_batch(ctx, dev, invalid, actor=actor)
    ingest_batch(ctx, other, [build_event(device_id=other, seq=1, prev_hash=GENESIS_HASH, user="agent-2",
                                          role="agent", action="phi.view", event_id=rest[-1]["id"])],
                 actor=("agent-2", "agent"))
    with pytest.raises(Conflict):  # the last event's id is already another device's
        ingest_batch(ctx, dev, rest, actor=actor)
    assert count(ctx.db, dev) == 5
    assert ctx.db.one("SELECT last_seq FROM devices WHERE device_id = ?", (dev,)) == (5,)
    alerts = ctx.db.query("SELECT kind, seq FROM alerts WHERE device_id = ? ORDER BY id", (dev,))
    assert alerts == [("chain_break", len(events) - 2), ("id_conflict", None)]
    replay = ingest_batch(ctx, dev, events[:-1], actor=actor)  # duplicates and new events in one batch
    assert (replay["accepted"], replay["duplicates"]) == (len(events) - 6, 5)
    assert queries.verify_device(ctx.db, dev)["status"] == "intact"


def test_ingest_is_idempotent_all_or_nothing_and_refuses_forks(ctx: ServerContext) -> None:
    dev = enroll(ctx)["device_id"]
    events = make_chain(dev, 10)
    first = ingest_batch(ctx, dev, events[:6])
    assert (first["accepted"], first["last_seq"]) == (6, 6)
    assert ingest_batch(ctx, dev, events[:6]) == {**first, "accepted": 0, "duplicates": 6}
    broken = events[4:] + make_chain(dev, 1, start_seq=11, prev_hash="cd" * 32)
    with pytest.raises(ChainConflict) as err:
        ingest_batch(ctx, dev, broken)
    assert err.value.first_bad_seq == 11
    assert count(ctx.db, dev) == 6  # seq 7..10 of that batch were not kept either
    with pytest.raises(ChainConflict) as fork:
        ingest_batch(ctx, dev, make_chain(dev, 7, user="agent-2"))
    assert fork.value.first_bad_seq == 1
    assert ingest_batch(ctx, dev, events[4:])["accepted"] == 4
    assert queries.verify_device(ctx.db, dev)["status"] == "intact"
    alerts = ctx.db.query("SELECT kind, seq FROM alerts WHERE device_id = ? ORDER BY id", (dev,))
    assert alerts == [("chain_break", 11), ("chain_break", 1)]


def test_an_event_id_reused_by_another_device_is_refused_without_storing_the_batch(ctx: ServerContext) -> None:
    a, b = enroll(ctx, "agent-1")["device_id"], enroll(ctx, "agent-2")["device_id"]
    events_a = make_chain(a, 2)
    ingest_batch(ctx, a, events_a)
    from agent_desktop.audit.event import GENESIS_HASH, build_event

    stolen = build_event(device_id=b, seq=1, prev_hash=GENESIS_HASH, user="agent-2", role="agent",
                         action="phi.view", event_id=events_a[0]["id"])
    with pytest.raises(Conflict):
        ingest_batch(ctx, b, [stolen])
    assert count(ctx.db, b) == 0
    assert ctx.db.query("SELECT kind FROM alerts WHERE device_id = ?", (b,)) == [("id_conflict",)]
    assert ingest_batch(ctx, b, make_chain(b, 1))["accepted"] == 1


def test_concurrent_writers_of_one_device_store_each_event_exactly_once(ctx: ServerContext) -> None:
    dev = enroll(ctx)["device_id"]
    batches = [make_chain(dev, 40)]
    for _ in range(9):
        batches.append(make_chain(dev, 40, start_seq=batches[-1][-1]["seq"] + 1,
                                  prev_hash=batches[-1][-1]["hash"]))
    results: dict[int, list[dict[str, Any]]] = {0: [], 1: []}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def writer(n: int) -> None:
        try:
            for batch in batches:
                barrier.wait(30)
                results[n].append(ingest_batch(ctx, dev, batch))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    verdicts: list[str] = []

    def auditor() -> None:  # verification while the chain grows sees a consistent snapshot
        while any(t.is_alive() for t in threads):
            verdicts.append(queries.verify_device(ctx.db, dev)["status"])

    threads = [threading.Thread(target=writer, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    checker = threading.Thread(target=auditor)
    checker.start()
    for t in threads:
        t.join(120)
    checker.join(30)
    assert not errors
    assert verdicts and set(verdicts) == {"intact"}
    assert [r["receipt"] for r in results[0]] == [r["receipt"] for r in results[1]]
    assert [a["accepted"] + b["accepted"] for a, b in zip(results[0], results[1], strict=True)] == [40] * 10
    assert count(ctx.db, dev) == 400
    verdict = queries.verify_device(ctx.db, dev)
    assert (verdict["status"], verdict["events"], verdict["last_seq"]) == ("intact", 400, 400)


def test_revoked_device_cannot_ingest(ctx: ServerContext) -> None:
    dev = enroll(ctx)["device_id"]
    devices.revoke(ctx, dev, "test", "lost")
    with pytest.raises(Forbidden):
        ingest_batch(ctx, dev, make_chain(dev, 1))
    assert devices.status(ctx, dev)["status"] == "revoked"


def test_pagination_walks_every_event_once_on_the_backend(ctx: ServerContext) -> None:
    dev = enroll(ctx)["device_id"]
    ingest_batch(ctx, dev, make_chain(dev, 230, patient="pat-P"))
    flt = queries.EventFilter(patient="pat-P")
    seen: list[tuple[str, str]] = []
    cursor = None
    while True:
        page = queries.find_events(ctx.db, flt, limit=50, cursor=cursor)
        seen += [(e["ts"], e["id"]) for e in page["events"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 230 and seen == sorted(set(seen), reverse=True)
    assert list(queries.iter_events(ctx.db, flt, page=64))[0]["seq"] in range(1, 231)


def test_purge_deletes_only_expired_events_is_logged_and_the_rest_still_verifies(ctx: ServerContext) -> None:
    dev = enroll(ctx)["device_id"]
    now = dt.datetime.now(dt.UTC)
    old = make_chain(dev, 5, ts=utc_timestamp(now - dt.timedelta(days=400)))
    new = make_chain(dev, 5, start_seq=6, prev_hash=old[-1]["hash"], ts=utc_timestamp(now))
    ingest_batch(ctx, dev, old + new)
    assert purge(ctx.db, keep_days=365, dry_run=True)["matching"] == 5
    assert count(ctx.db, dev) == 10
    result = purge(ctx.db, keep_days=365)
    assert result["deleted"] == 5 and count(ctx.db, dev) == 5
    verdict = queries.verify_device(ctx.db, dev)
    assert (verdict["status"], verdict["first_seq"], verdict["events"]) == ("intact", 6, 5)
    logged = ctx.db.query("SELECT action, detail FROM server_log WHERE action = 'events.purge'")
    assert len(logged) == 1 and '"deleted": 5' in logged[0][1]
