"""Audit server benchmarks: ingest rate and auditor query latency, SQLite and PostgreSQL.

    .venv/bin/python -m bench.server [--batches 40] [--query-events 1000000] [--backends sqlite,postgresql]
                                     [--no-http] [--ingest-only]

Prints one JSON object per result line. Baselines are measured in the same run:
- ingest: the server's ingest path (validation, hash recomputation, chain check, row lock,
  insert, receipt) for batches of 500, in-process and over HTTP to the real server
  process, against the backend's own raw bulk insert of the same rows in the same batches
  with the same indexes and one commit per batch (``executemany`` on SQLite, ``COPY`` on
  PostgreSQL). ratio = value / baseline (the fraction of raw speed reached). Each path
  (in-process, HTTP) alternates its batches with raw batches, so both see the same load.
  ``--ingest-only`` skips the query benchmark (about 30 s instead of 4 min).
- query: "events for patient X" (newest first, first page of 100) through the server's
  query layer, against the same SQL run directly, at ``--query-events`` stored events.
PostgreSQL runs with its durable defaults (fsync on) in a throwaway cluster.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from agent_desktop.audit.event import GENESIS_HASH, build_event, utc_timestamp
from agent_desktop.server import queries
from agent_desktop.server.context import ServerContext
from agent_desktop.server.db import Database, open_database
from agent_desktop.server.ingest import INSERT_EVENT, ingest_batch
from agent_desktop.server.keys import write_key
from agent_desktop.server.migrations import migrate
from agent_desktop.server.rows import EVENT_COLUMNS, event_row
from bench.common import emit, percentile

BATCH = 500


def chain(device_id: str, count: int) -> list[dict[str, Any]]:
    events, prev = [], GENESIS_HASH
    base = time.time() - 3600
    for seq in range(1, count + 1):
        e = build_event(device_id=device_id, seq=seq, prev_hash=prev, user="agent-1", role="agent",
                        action=random.choice(("phi.view", "phi.reveal", "verify.pass", "call.answer")),
                        patient=f"pat-{random.randrange(5000):05d}", call_id=f"call-{seq // 10}",
                        detail={"caller_type": "caregiver", "field_groups": ["demographics"]},
                        ts=utc_timestamp(base + seq / 1000))
        events.append(e)
        prev = e["hash"]
    return events


def add_device(db: Database, device_id: str) -> None:
    with db.transaction():
        db.execute("INSERT INTO devices (device_id, agent_id, role, team, status, enrolled_at, last_seq,"
                   " last_hash) VALUES (?, 'agent-1', 'agent', 'blue', 'active', ?, 0, ?)",
                   (device_id, utc_timestamp(), GENESIS_HASH))


def raw_insert(db: Database, rows: list[tuple[Any, ...]]) -> None:
    """The backend's own bulk insert of one batch, committed."""
    if db.kind == "sqlite":
        with db.transaction():
            db.conn.executemany(INSERT_EVENT, rows)
        return
    columns = ("id, device_id, seq, ts, actor_user, actor_role, action, patient, call_id, outcome, detail,"
               " prev_hash, hash, received_at")
    with db.transaction(), db.conn.cursor() as cur, cur.copy(f"COPY events ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def bench_ingest(label: str, make_db: Callable[[], str], batches: int, workdir: Path,
                 http: bool) -> None:
    events = chain("dev-bench", batches * BATCH)
    parts = [events[i:i + BATCH] for i in range(0, len(events), BATCH)]
    received = utc_timestamp()

    raw_db = open_database(make_db())
    db = open_database(make_db())
    for target in (raw_db, db):
        migrate(target)
        add_device(target, "dev-bench")
    ctx = ServerContext(db=db, signer=write_key(workdir / f"key-{label}-{time.time_ns()}.pem"))
    # alternate raw and server batches so both see the same disk and CPU contention
    raw_s = server_s = 0.0
    for part in parts:
        rows = [event_row(e, received) for e in part]
        start = time.perf_counter()
        raw_insert(raw_db, rows)
        raw_s += time.perf_counter() - start
        start = time.perf_counter()
        ingest_batch(ctx, "dev-bench", part, actor=("agent-1", "agent"))  # as the HTTP route does
        server_s += time.perf_counter() - start
    assert queries.verify_device(db, "dev-bench")["status"] == "intact"
    raw_db.close()
    db.close()
    raw_eps = len(events) / raw_s
    emit(f"server.ingest.{label}", len(events) / server_s, "events/s", raw_eps, batch=BATCH,
         events=len(events), path="in-process")

    if http:
        from tests.support.audit_server import start_audit_server

        server = start_audit_server(workdir / f"http-{label}", db_url=make_db())
        http_raw_db = open_database(make_db())
        try:
            device = server.enroll("agent-1")
            dev = device["device_id"]
            migrate(http_raw_db)
            add_device(http_raw_db, dev)
            http_events = chain(dev, batches * BATCH)
            session = server.session(device["device_token"])
            http_parts = [http_events[i:i + BATCH] for i in range(0, len(http_events), BATCH)]
            bodies = [json.dumps({"device_id": dev, "events": part}) for part in http_parts]
            # the raw baseline again, alternated with the HTTP batches: the machine's load
            # changes between the in-process and the HTTP phase
            http_raw_s = http_s = 0.0
            for part, body in zip(http_parts, bodies, strict=True):
                rows = [event_row(e, received) for e in part]
                start = time.perf_counter()
                raw_insert(http_raw_db, rows)
                http_raw_s += time.perf_counter() - start
                start = time.perf_counter()
                r = session.post(server.url("/v1/audit/batches"), data=body,
                                 headers={"Content-Type": "application/json"}, timeout=120)
                r.raise_for_status()
                http_s += time.perf_counter() - start
        finally:
            server.stop()
            http_raw_db.close()
        emit(f"server.ingest_http.{label}", len(http_events) / http_s, "events/s",
             len(http_events) / http_raw_s, batch=BATCH, events=len(http_events),
             path="HTTP to the server process (plain HTTP, loopback)")


def synthetic_rows(count: int, patients: int, devices: int) -> Iterator[tuple[Any, ...]]:
    """Stored-event rows for the query benchmark (hashes random: only lookups are timed)."""
    base = 1_780_000_000.0
    per_device = count // devices
    actions = ("phi.view", "phi.reveal", "verify.pass", "call.answer", "vault.unlock")
    for d in range(devices):
        for seq in range(1, per_device + 1):
            n = d * per_device + seq
            yield (f"{n:08x}-0000-7000-8000-{d:012x}", f"dev-{d:04d}", seq,
                   utc_timestamp(base + n * 0.137), f"agent-{d % 300:03d}", "agent",
                   actions[n % 5], f"pat-{random.randrange(patients):06d}", f"call-{n // 7}",
                   "success", '{"caller_type":"patient"}', os.urandom(32).hex(), os.urandom(32).hex(),
                   utc_timestamp(base))


def fill(db: Database, count: int, patients: int, devices: int) -> float:
    for d in range(devices):
        add_device(db, f"dev-{d:04d}")
    start = time.perf_counter()
    rows = synthetic_rows(count, patients, devices)
    chunk = 50_000
    while True:
        part = [r for _, r in zip(range(chunk), rows, strict=False)]
        if not part:
            break
        if db.kind == "sqlite":
            with db.transaction():
                db.conn.executemany(INSERT_EVENT, part)
        else:
            buf = io.StringIO()
            for r in part:
                buf.write("\t".join(str(v) for v in r) + "\n")
            with db.transaction(), db.conn.cursor() as cur, cur.copy("COPY events FROM STDIN") as copy:
                copy.write(buf.getvalue())
    if db.kind == "postgresql":
        db.execute("ANALYZE events")
    else:
        db.execute("ANALYZE")
    return time.perf_counter() - start


def bench_query(label: str, url: str, count: int, samples: int = 300) -> None:
    db = open_database(url)
    migrate(db)
    patients = max(100, count // 50)
    fill_s = fill(db, count, patients, devices=200)
    stored = db.one("SELECT COUNT(*) FROM events")
    assert stored is not None
    targets = [f"pat-{random.randrange(patients):06d}" for _ in range(samples)]
    api: list[float] = []
    raw: list[float] = []
    sql = db.sql(f"SELECT {EVENT_COLUMNS} FROM events WHERE patient = ? ORDER BY ts DESC, id DESC LIMIT 101")
    for patient in targets:
        start = time.perf_counter()
        page = queries.find_events(db, queries.EventFilter(patient=patient), limit=100)
        api.append((time.perf_counter() - start) * 1000)
        assert all(e["patient"] == patient for e in page["events"])
        start = time.perf_counter()
        db.conn.execute(sql, (patient,)).fetchall()
        raw.append((time.perf_counter() - start) * 1000)

    # correctness at this size: paging through one patient returns exactly their events
    patient = targets[0]
    expected = db.one("SELECT COUNT(*) FROM events WHERE patient = ?", (patient,))
    walked = list(queries.iter_events(db, queries.EventFilter(patient=patient), page=7))
    assert expected is not None and len(walked) == int(expected[0]) == len({e["id"] for e in walked})
    assert all(e["patient"] == patient for e in walked)

    for q in (50, 99):
        emit(f"server.query.patient.p{q}.{label}", percentile(api, q), "ms", percentile(raw, q),
             events=int(stored[0]), patients=patients, samples=samples,
             baseline_is="the same SQL without the query layer", fill_seconds=round(fill_s, 1))
    db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=40, help="ingest batches of 500 (default 40)")
    parser.add_argument("--query-events", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--ingest-only", action="store_true",
                        help="skip the query benchmark (the quick check of the ingest rate)")
    args = parser.parse_args(argv)
    random.seed(7)
    backends = args.backends.split(",")
    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        work = Path(tmp)
        if "sqlite" in backends:
            counter = iter(range(10_000))
            bench_ingest("sqlite", lambda: f"sqlite:///{work / f'ingest-{next(counter)}.db'}", args.batches,
                         work, not args.no_http)
            if not args.ingest_only:
                bench_query("sqlite", f"sqlite:///{work / 'query.db'}", args.query_events)
        if "postgresql" in backends:
            from tests.support.postgres import start_cluster

            cluster = start_cluster(fast=False)
            try:
                bench_ingest("postgresql", cluster.create_database, args.batches, work, not args.no_http)
                if not args.ingest_only:
                    bench_query("postgresql", cluster.create_database(), args.query_events)
            finally:
                cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
