"""Keyring reads through the product's Secret Service backend, against keyring's stock one.

Run inside a Secret Service session:

    dbus-run-session -- bash scripts/with-keyring .venv/bin/python -m bench.keyring

``keyring.read.p50``: one ``get_password`` of an existing entry through ``secure_backend()``
(one connection per process, opened with ``OpenSession``; docs/vault.md), against keyring's
own Secret Service backend (a new connection and session per call) in the same run, in
alternating blocks so both see the same machine. The line also says whether the daemon was
the same process at the end (keyring's backend can abort gnome-keyring under load).
"""

from __future__ import annotations

import argparse
import subprocess

from agent_desktop.vault.keyring_backend import backend_name, secure_backend
from bench.common import emit, percentile, timed

SERVICE, USER = "agent-desktop-bench-keyring", "probe"


def _owner() -> str:
    out = subprocess.run(
        ["dbus-send", "--session", "--print-reply=literal", "--dest=org.freedesktop.DBus", "/",
         "org.freedesktop.DBus.GetNameOwner", "string:org.freedesktop.secrets"],
        capture_output=True, text=True, timeout=30, check=False)
    return out.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--block", type=int, default=20)
    args = parser.parse_args()

    ours = secure_backend()
    stock = ours
    while hasattr(stock, "inner"):  # keyring's own backend, under our wrappers
        stock = stock.inner
    if not backend_name(stock).endswith("SecretService.Keyring"):
        raise SystemExit(f"needs a Secret Service session, found {backend_name(stock)}")
    ours.set_password(SERVICE, USER, "x" * 44)
    daemon = _owner()
    try:
        mine: list[float] = []
        theirs: list[float] = []
        for _ in range(max(1, args.reads // args.block)):
            mine += timed(lambda: ours.get_password(SERVICE, USER), args.block)
            theirs += timed(lambda: stock.get_password(SERVICE, USER), args.block)
    finally:
        ours.delete_password(SERVICE, USER)
    emit("keyring.read.p50", percentile(mine, 50), "ms", percentile(theirs, 50),
         p95=round(percentile(mine, 95), 3), baseline_p95=round(percentile(theirs, 95), 3),
         reads=len(mine), daemon_restarted=_owner() != daemon)


if __name__ == "__main__":
    main()
