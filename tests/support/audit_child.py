"""Child process for the SIGKILL durability test: records events until killed.

Usage: python -m tests.support.audit_child PROFILE DEVICE_ID (vault password on stdin).
Prints ``seq id`` for every event whose ``record`` returned, flushed at once, so the parent
knows exactly which events were acknowledged before the kill.
"""

from __future__ import annotations

import sys

import agent_desktop.capabilities  # noqa: F401  (registers every capability's vault tables)
from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.bus import EventBus
from agent_desktop.paths import AppPaths
from agent_desktop.policy import load_settings
from agent_desktop.vault import Vault
from tests.support.vault_env import FAST_KDF


def main() -> None:
    profile, device_id = sys.argv[1], sys.argv[2]
    password = sys.stdin.readline().rstrip("\n")
    paths = AppPaths.from_env()
    bus = EventBus()
    vault = Vault(paths, profile, load_settings(paths), bus, kdf=FAST_KDF)
    recorder = AuditRecorder(vault, bus, device_id=device_id, user="agent-007", role="agent")
    if vault.exists():
        vault.unlock(password)
    else:
        vault.create(password)
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        event = recorder.record("phi.view", patient=f"pat-{n % 50}", call_id=f"call-{n}",
                                detail={"fields": ["demographics"]})
        sys.stdout.write(f"{event['seq']} {event['id']}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
