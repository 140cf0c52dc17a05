"""Child process for the cross-process races: build a vault object, say ``ready``, wait for
``go`` on stdin, then try one lifecycle step and print how it ended (an exception's class
name, or ``ok``). The parent releases every child at once."""

from __future__ import annotations

import sys
from pathlib import Path

import agent_desktop.capabilities  # noqa: F401  (registers every capability's vault tables)
from agent_desktop.bus import EventBus
from agent_desktop.errors import AgentDesktopError
from agent_desktop.paths import AppPaths
from agent_desktop.policy import load_settings
from agent_desktop.vault import Vault
from tests.support.vault_env import FAST_KDF


def main(home: str, policy: str, profile: str, action: str, password: str) -> None:
    root = Path(home)
    paths = AppPaths(root / "data", root / "config", root / "logs")
    vault = Vault(paths, profile, load_settings(paths, policy_file=Path(policy)), EventBus(),
                  kdf=FAST_KDF)
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        if action == "create":
            vault.create(password)
        else:
            vault.unlock(password)
        outcome = "ok"
    except AgentDesktopError as err:
        outcome = type(err).__name__
    finally:
        vault.close()
    print(outcome, flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:6])
