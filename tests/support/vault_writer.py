"""Child process for the kill -9 test: unlock a vault and commit rows until killed.

Prints each committed sequence number (after its transaction future resolved) so the
parent knows what the vault acknowledged as durable.
"""

from __future__ import annotations

import sys
from pathlib import Path

import agent_desktop.capabilities  # noqa: F401  (registers every capability's vault tables)
from agent_desktop.bus import EventBus
from agent_desktop.paths import AppPaths
from agent_desktop.policy import load_settings
from agent_desktop.vault import Vault


def main(home: str, policy: str, profile: str, password: str) -> None:
    root = Path(home)
    paths = AppPaths(root / "data", root / "config", root / "logs")
    vault = Vault(paths, profile, load_settings(paths, policy_file=Path(policy)), EventBus())
    vault.unlock(password)
    seq = 0
    while True:
        seq += 1

        def write(conn, n: int = seq) -> None:
            for part in range(3):  # three rows per transaction: all or nothing
                conn.execute("INSERT INTO secrets (name, value, updated_at) VALUES (?, ?, ?)",
                             (f"row-{n}-{part}", bytes(200), float(n)))

        vault.transaction(write).result()
        sys.stdout.write(f"{seq}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(*sys.argv[1:5])
