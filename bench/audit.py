"""Audit benchmarks; one JSON object per result line on stdout.

Run inside a Secret Service session (the vault needs the OS keyring), e.g.:

    dbus-run-session -- bash scripts/with-keyring .venv/bin/python -m bench.audit

- ``audit.record.p50/p99``: ``AuditRecorder.record`` (validate, then one durable vault
  transaction on the caller's thread: BEGIN IMMEDIATE, read of the newest row (the head
  this recorder appended last), hash, INSERT of the one row that is the new head, COMMIT;
  WAL and synchronous=FULL; the head anchored every 2 s off-thread) against a plain
  ``sqlite3`` commit of one event-sized row, one of each in turn in the same run (goal:
  ratio within 2). Both sides' journal mode and synchronous level are read back from their
  connections and printed: they must match.
- ``audit.sqlcipher_commit.p50``: the same row committed to a bare SQLCipher database with
  the vault's pragmas, against the same plain commit: the floor encryption sets.
- ``audit.sync.throughput``: drain an N-event backlog (default 100,000) from the vault to
  the real reference server on loopback with ``SyncWorker`` (read batch, POST, verify the
  Ed25519 receipt, delete) in events/s, against posting the same batches' bytes (same
  size, same encoding, a second device's chain) with bare ``requests`` to the same server,
  interleaved in chunks of 5 batches, alternating which side goes first. ``seconds`` is the worker's total time (goal: under 30 s for
  100,000 events; ratio goal >= 0.8).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
import sqlcipher3

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import agent_desktop.capabilities  # noqa: E402,F401  (registers every capability's vault tables)
from agent_desktop.audit import outbox  # noqa: E402
from agent_desktop.audit.credentials import CredentialStore, enroll  # noqa: E402
from agent_desktop.audit.event import GENESIS_HASH, build_event  # noqa: E402
from agent_desktop.audit.recorder import AuditRecorder  # noqa: E402
from agent_desktop.audit.sync import Outcome, SyncWorker  # noqa: E402
from agent_desktop.bus import EventBus  # noqa: E402
from agent_desktop.paths import AppPaths  # noqa: E402
from agent_desktop.policy import SETTINGS, load_settings  # noqa: E402
from agent_desktop.vault import ScryptParams, Vault  # noqa: E402
from agent_desktop.vault.device_secret import SERVICE  # noqa: E402
from agent_desktop.vault.keyring_backend import secure_backend  # noqa: E402
from bench.common import emit, percentile, timed  # noqa: E402
from tests.support.audit_server import start_audit_server  # noqa: E402

PASSWORD = "Bench-Password-Correct-7"
CHUNK = 5  # batches per side before switching
BENCH_KDF = ScryptParams(n=2**12, r=8, p=1)  # the KDF is bench/vault.py's subject, not this one's
SYNC_NAMES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def open_vault(paths: AppPaths, profile: str, bus: EventBus, device_id: str
               ) -> tuple[Vault, AuditRecorder]:
    vault = Vault(paths, profile, load_settings(paths), bus, kdf=BENCH_KDF)
    recorder = AuditRecorder(vault, bus, device_id=device_id, user="agent-007", role="agent")
    vault.create(PASSWORD)
    return vault, recorder


def bench_record(paths: AppPaths, workdir: Path, n: int) -> None:
    bus = EventBus()
    vault, recorder = open_vault(paths, "bench-record", bus, "dev-bench-record")
    plain = sqlite3.connect(workdir / "plain.db", isolation_level=None)
    plain.execute("PRAGMA journal_mode = WAL")
    plain.execute("PRAGMA synchronous = FULL")
    plain.execute("CREATE TABLE o (seq INTEGER PRIMARY KEY, id TEXT, body TEXT)")
    sample = recorder.record("phi.view", patient="pat-1", call_id="call-1",
                             detail={"fields": ["demographics"]})
    body = outbox.encode(sample)

    def plain_commit() -> None:
        plain.execute("BEGIN IMMEDIATE")
        plain.execute("INSERT INTO o (id, body) VALUES (?, ?)", (os.urandom(16).hex(), body))
        plain.execute("COMMIT")

    def record() -> None:
        recorder.record("phi.view", patient="pat-1", call_id="call-1",
                        detail={"fields": ["demographics"]})

    cipher = sqlcipher3.connect(str(workdir / "cipher.db"), isolation_level=None)
    cipher.execute(f"PRAGMA key = \"x'{os.urandom(32).hex()}'\"")
    for pragma in ("cipher_memory_security = ON", "journal_mode = WAL", "synchronous = FULL",
                   "secure_delete = ON"):
        cipher.execute(f"PRAGMA {pragma}")
    cipher.execute("CREATE TABLE o (seq INTEGER PRIMARY KEY, id TEXT, body TEXT)")

    def cipher_commit() -> None:
        cipher.execute("BEGIN IMMEDIATE")
        cipher.execute("INSERT INTO o (id, body) VALUES (?, ?)", (os.urandom(16).hex(), body))
        cipher.execute("COMMIT")

    durability = {
        "journal_mode": vault.submit(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0]
                                     ).result(),
        "synchronous": SYNC_NAMES[vault.submit(
            lambda c: c.execute("PRAGMA synchronous").fetchone()[0]).result()],
        "baseline_journal_mode": plain.execute("PRAGMA journal_mode").fetchone()[0],
        "baseline_synchronous": SYNC_NAMES[plain.execute("PRAGMA synchronous").fetchone()[0]],
    }
    if (durability["journal_mode"], durability["synchronous"]) != (
            durability["baseline_journal_mode"], durability["baseline_synchronous"]):
        raise SystemExit(f"the baseline is not as durable as the vault: {durability}")
    base: list[float] = []
    encrypted: list[float] = []
    ours: list[float] = []
    for _ in range(n):  # one of each in turn, so load (other fsyncs) hits all three alike
        base += timed(plain_commit, 1)
        encrypted += timed(cipher_commit, 1)
        ours += timed(record, 1)
    plain.close()
    cipher.close()
    for q, label in ((50, "p50"), (99, "p99")):
        emit(f"audit.record.{label}", percentile(ours, q), "ms", percentile(base, q),
             samples=len(ours), **durability,
             baseline_name="sqlite3 commit of one event row, WAL+synchronous=FULL")
    emit("audit.sqlcipher_commit.p50", percentile(encrypted, 50), "ms", percentile(base, 50),
         samples=len(encrypted), baseline_name="the same plain sqlite3 commit (what encryption "
         "alone costs, the floor under audit.record)")
    vault.close()


def chain(device_id: str, n: int, user: str = "agent-007") -> list[dict[str, Any]]:
    events, prev = [], GENESIS_HASH
    for i in range(n):
        e = build_event(device_id=device_id, seq=i + 1, prev_hash=prev, user=user,
                        role="agent", action="phi.view", patient=f"pat-{i % 997}",
                        call_id=f"call-{i // 20}", detail={"fields": ["demographics"]})
        events.append(e)
        prev = e["hash"]
    return events


def bench_sync(paths: AppPaths, workdir: Path, n: int, batch_size: int) -> None:
    server = start_audit_server(workdir / "server")
    http = requests.Session()
    store_a = CredentialStore(secure_backend(), "bench-sync-a")
    try:
        a = enroll(http, server.base_url, server.token("enroll", agent="agent-007"), store_a)
        b = server.enroll("agent-008")
        # baseline: the same encoding and batch size for a second device, bare requests
        # (the server refuses events naming another agent than the token's)
        bodies = [outbox.encode(e) for e in chain(b["device_id"], n, "agent-008")]
        payloads = [outbox.Batch(0, 0, "", [], bodies[i:i + batch_size]).payload(b["device_id"])
                    for i in range(0, n, batch_size)]
        headers = {"Authorization": f"Bearer {b['device_token']}",
                   "Content-Type": "application/json"}
        url = server.url("/v1/audit/batches")

        bus = EventBus()
        vault, _ = open_vault(paths, "bench-sync", bus, a.device_id)
        events_a = chain(a.device_id, n)
        # the create-unlock is seq 1 already; continue the chain after it in one transaction
        vault.transaction(lambda c: outbox.store(c, rechain(events_a, c))).result()
        total = vault.submit(outbox.backlog).result()
        policy = workdir / "policy.toml"
        policy.write_text(f'[audit]\nserver_url = "{server.base_url}"\nbatch_size = {batch_size}\n')
        settings = load_settings(paths, policy_file=policy)
        worker = SyncWorker(vault, bus, settings, session=requests.Session(), store=store_a)

        # interleaved in chunks of CHUNK batches, alternating which side goes first (ABBA),
        # so load from elsewhere and the server's growing database weigh on both alike;
        # the worker pipelines within a chunk
        times = {"bare": 0.0, "sync": 0.0}
        pending = list(payloads)
        done = False

        def bare_chunk() -> None:
            start = time.perf_counter()
            for payload in pending[:CHUNK]:
                http.post(url, data=payload, headers=headers, timeout=60).raise_for_status()
            times["bare"] += time.perf_counter() - start
            del pending[:CHUNK]

        def sync_chunk() -> bool:
            start = time.perf_counter()
            result = worker.send_batches(max_batches=CHUNK)
            times["sync"] += time.perf_counter() - start
            if result.outcome not in (Outcome.DELIVERED, Outcome.EMPTY):
                raise SystemExit(f"sync failed: {result}")
            return result.outcome is Outcome.EMPTY

        turn = 0
        while not done:
            first_bare = turn % 2 == 0
            if first_bare:
                bare_chunk()
            done = sync_chunk()
            if not first_bare:
                bare_chunk()
            done = done and not pending
            turn += 1
        bare_seconds, sync_seconds = times["bare"], times["sync"]
        if vault.submit(outbox.backlog).result() != 0:
            raise SystemExit("sync did not drain the outbox")
        emit("audit.sync.throughput", total / sync_seconds, "events/s", n / bare_seconds,
             events=total, batch_size=batch_size, seconds=round(sync_seconds, 2),
             baseline_seconds=round(bare_seconds, 2),
             baseline_name="same batch bytes POSTed with bare requests, same server")
        vault.close()
    finally:
        http.close()
        server.stop()
        store_a.delete()


def rechain(events: list[dict[str, Any]], conn: Any) -> list[dict[str, Any]]:
    """Re-link pre-built events after whatever the vault already holds (its unlock event)."""
    state = outbox.chain_state(conn)
    assert state is not None
    seq, prev = state.last_seq, state.last_hash
    out = []
    for e in events:
        e = build_event(device_id=e["device_id"], seq=seq + 1, prev_hash=prev,
                        user=e["actor"]["user"], role=e["actor"]["role"], action=e["action"],
                        patient=e["patient"], call_id=e["call_id"], detail=e["detail"],
                        ts=e["ts"], event_id=e["id"])
        out.append(e)
        seq, prev = e["seq"], e["hash"]
    return out


def cleanup_keyring(profiles: list[str]) -> None:
    import keyring

    for profile in profiles:
        for user in (f"vault-device-secret:{profile}", f"vault-locked-log-head:{profile}"):
            try:
                secure_backend().delete_password(SERVICE, user)
            except keyring.errors.PasswordDeleteError:
                continue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1000, help="record() samples")
    parser.add_argument("--events", type=int, default=100_000, help="backlog to drain")
    parser.add_argument("--batch-size", type=int, default=int(SETTINGS["audit.batch_size"].default),
                        help="events per batch (default: the policy default)")
    parser.add_argument("--only", choices=("record", "sync"), help="run one benchmark")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        workdir = Path(tmp)
        paths = AppPaths(workdir / "data", workdir / "config", workdir / "logs")
        paths.ensure()
        try:
            if args.only in (None, "record"):
                bench_record(paths, workdir, args.records)
            if args.only in (None, "sync"):
                bench_sync(paths, workdir, args.events, args.batch_size)
        finally:
            cleanup_keyring(["bench-record", "bench-sync"])


if __name__ == "__main__":
    main()
