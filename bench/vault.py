"""Vault benchmarks; one JSON object per result line on stdout.

Run inside a Secret Service session (the vault needs the OS keyring), e.g.:

    dbus-run-session -- bash scripts/with-keyring .venv/bin/python -m bench.vault

- ``vault.commit.p50/p99``: one durable single-row commit through ``Vault.transaction``
  (the audit outbox pattern: thread hop + BEGIN IMMEDIATE + INSERT + COMMIT, WAL,
  synchronous=FULL), against plain ``sqlite3`` with the same pragmas in the same run.
- ``vault.commit.sqlcipher_raw.*``: the same on a bare SQLCipher connection (no worker
  thread), to split encryption cost from the thread hop.
- ``vault.lookup.p50/p99``: PhiCache.find by phone number among N cached rows, against the
  same indexed query on plain sqlite3.
- ``vault.unlock.kdf`` / ``vault.unlock.rest``: where an unlock spends its time (median);
  the goals are 250-500 ms for the KDF and under 50 ms for the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import keyring
import sqlcipher3

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import agent_desktop.capabilities  # noqa: E402,F401  (registers every capability's vault tables)
from agent_desktop.bus import EventBus  # noqa: E402
from agent_desktop.paths import AppPaths  # noqa: E402
from agent_desktop.policy import load_settings  # noqa: E402
from agent_desktop.vault import PhiCache, Vault  # noqa: E402
from agent_desktop.vault.device_secret import SERVICE  # noqa: E402
from agent_desktop.vault.keyring_backend import secure_backend  # noqa: E402
from bench.common import emit, percentile, timed  # noqa: E402

PASSWORD = "Bench-Password-Correct-7"
BODY = "x" * 300  # about the size of one audit event


def pct(samples: list[float], q: float) -> float:
    return percentile(samples, q * 100)


def same_pragmas(conn: Any) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")


OUTBOX = "CREATE TABLE IF NOT EXISTS bench_outbox (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)"


def commit_once(conn: Any) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO bench_outbox (body) VALUES (?)", (BODY,))
    conn.execute("COMMIT")


def bench_commits(vault: Vault, workdir: Path, n: int) -> None:
    plain = sqlite3.connect(workdir / "plain.db", isolation_level=None)
    same_pragmas(plain)
    plain.execute(OUTBOX)
    raw = sqlcipher3.connect(str(workdir / "raw-cipher.db"), isolation_level=None)
    raw.execute(f"PRAGMA key = \"x'{os.urandom(32).hex()}'\"")
    raw.execute("PRAGMA cipher_memory_security = ON")
    same_pragmas(raw)
    raw.execute(OUTBOX)
    vault.submit(lambda c: c.execute(OUTBOX)).result()

    def through_vault() -> None:
        vault.transaction(lambda c: c.execute(
            "INSERT INTO bench_outbox (body) VALUES (?)", (BODY,))).result()

    # interleave rounds so background load hits all three alike
    base: list[float] = []
    cipher: list[float] = []
    viavault: list[float] = []
    rounds = 5
    for _ in range(rounds):
        base += timed(lambda: commit_once(plain), n // rounds)
        cipher += timed(lambda: commit_once(raw), n // rounds)
        viavault += timed(through_vault, n // rounds)
    plain.close()
    raw.close()
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        emit(f"vault.commit.{label}", pct(viavault, q), "ms", pct(base, q),
             commits=len(viavault), baseline_name="sqlite3 WAL+FULL same pragmas")
        emit(f"vault.commit.sqlcipher_raw.{label}", pct(cipher, q), "ms", pct(base, q),
             commits=len(cipher), baseline_name="sqlite3 WAL+FULL same pragmas")


def bench_lookup(vault: Vault, settings: Any, workdir: Path, rows: int, lookups: int) -> None:
    numbers = [f"+1555{n:07d}" for n in range(rows)]
    now = time.time()
    data = [("patient", f"pt-{n:07d}", json.dumps({"patient_ref": f"pt-{n:07d}",
                                                   "plan": "synthetic"}),
             numbers[n], now, now + 3600) for n in range(rows)]
    insert = ("INSERT INTO phi_cache (namespace, key, value, lookup, fetched_at, expires_at)"
              " VALUES (?, ?, ?, ?, ?, ?)")
    vault.transaction(lambda c: c.executemany(insert, data)).result()
    plain = sqlite3.connect(workdir / "plain-cache.db", isolation_level=None)
    same_pragmas(plain)
    plain.execute("CREATE TABLE phi_cache (namespace TEXT NOT NULL, key TEXT NOT NULL,"
                  " value TEXT NOT NULL, lookup TEXT, fetched_at REAL NOT NULL,"
                  " expires_at REAL NOT NULL, PRIMARY KEY (namespace, key))")
    plain.execute("CREATE INDEX phi_cache_lookup ON phi_cache (namespace, lookup)")
    plain.execute("BEGIN")
    plain.executemany(insert, data)
    plain.execute("COMMIT")

    raw = sqlcipher3.connect(str(vault.db_path), isolation_level=None)
    raw.execute(f"PRAGMA key = \"x'{bytes(vault._dek or b'').hex()}'\"")  # same file, no thread hop
    cache = PhiCache(vault, settings)
    rng = random.Random(7)
    targets = [rng.choice(numbers) for _ in range(lookups)]
    it = iter(targets)
    found = timed(lambda: cache.find("patient", next(it)).result(), lookups)
    it2 = iter(targets)
    query = ("SELECT namespace, key, value, fetched_at, expires_at FROM phi_cache WHERE"
             " namespace = ? AND lookup = ? AND expires_at > ? ORDER BY fetched_at DESC")
    base = timed(lambda: plain.execute(query, ("patient", next(it2), time.time())).fetchall(),
                 lookups)
    it3 = iter(targets)
    direct = timed(lambda: raw.execute(query, ("patient", next(it3), time.time())).fetchall(),
                   lookups)
    plain.close()
    raw.close()
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        emit(f"vault.lookup.{label}", pct(found, q), "ms", pct(base, q), rows=rows,
             lookups=lookups, baseline_name="same indexed query on plain sqlite3")
        emit(f"vault.lookup.sqlcipher_raw.{label}", pct(direct, q), "ms", pct(base, q),
             rows=rows, lookups=lookups, baseline_name="same indexed query on plain sqlite3",
             note="the vault file queried directly: encryption cost without the thread hop")


def bench_unlock(vault: Vault, n: int) -> None:
    kdf, rest = [], []
    for _ in range(n):
        vault.lock("bench")
        vault.unlock(PASSWORD)
        assert vault.last_unlock is not None
        kdf.append(vault.last_unlock.kdf_seconds * 1000)
        rest.append(vault.last_unlock.rest_seconds * 1000)
    params = vault.kdf
    emit("vault.unlock.kdf", statistics.median(kdf), "ms", None, goal="250-500",
         scrypt={"n": params.n, "r": params.r, "p": params.p}, runs=n)
    emit("vault.unlock.rest", statistics.median(rest), "ms", None, goal="<50", runs=n)
    emit("vault.unlock.total", statistics.median([a + b for a, b in zip(kdf, rest, strict=True)]),
         "ms", None, runs=n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--unlocks", type=int, default=5)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="vault-bench-") as tmp:
        workdir = Path(tmp)
        paths = AppPaths(workdir / "data", workdir / "config", workdir / "logs")
        settings = load_settings(paths, policy_file=workdir / "no-policy.toml")
        profile = f"bench-{os.urandom(4).hex()}"
        vault = Vault(paths, profile, settings, EventBus())
        try:
            vault.create(PASSWORD)
            bench_commits(vault, workdir, args.commits)
            bench_lookup(vault, settings, workdir, args.rows, args.lookups)
            bench_unlock(vault, args.unlocks)
        finally:
            vault.close()
            for user in (f"vault-device-secret:{profile}", f"vault-locked-log-head:{profile}"):
                try:
                    secure_backend().delete_password(SERVICE, user)
                except keyring.errors.PasswordDeleteError:
                    continue
    return 0


if __name__ == "__main__":
    sys.exit(main())
