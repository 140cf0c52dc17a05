"""A vault killed with SIGKILL in the middle of writes opens and holds every committed row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.vault_env import PASSWORD, VaultFactory

ROOT = Path(__file__).resolve().parents[3]


def test_kill_9_while_writing_loses_no_committed_row(make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()
    make_vault.settings()  # writes nothing, but makes sure the policy path is what the child reads
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.vault_writer", str(make_vault.home),
         str(make_vault.policy_file), vault.profile, PASSWORD],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    acknowledged = 0
    try:
        assert child.stdout is not None
        for line in child.stdout:
            acknowledged = int(line)
            if acknowledged >= 150:
                break
        os.kill(child.pid, signal.SIGKILL)  # mid-stream: it keeps writing until killed
    finally:
        if child.poll() is None:
            child.kill()
        _, err = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL, err
    assert acknowledged >= 150, err

    vault.unlock(PASSWORD)  # the WAL is recovered, the vault opens normally

    def committed(conn) -> tuple[list[str], int]:
        names = [r[0] for r in conn.execute("SELECT name FROM secrets WHERE name LIKE 'row-%'")]
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        return names, integrity

    names, integrity = vault.submit(committed).result()
    assert integrity == "ok"
    seqs: dict[int, int] = {}
    for name in names:
        _, seq, _part = name.split("-")
        seqs[int(seq)] = seqs.get(int(seq), 0) + 1
    assert all(seqs.get(n) == 3 for n in range(1, acknowledged + 1))  # every acknowledged row
    assert all(count == 3 for count in seqs.values())  # and no half transaction
    assert max(seqs) >= acknowledged
