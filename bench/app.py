"""Benchmark: the workstation's bring-up after unlock, and event hand-off to a consumer.

    dbus-run-session -- bash scripts/with-keyring .venv/bin/python -m bench.app [--rounds 7] [--events 500]

Starts a throwaway PKI, a real Kamailio over TLS and the reference audit server with its
FHIR store, enrols a workstation and creates its vault. Then, in rounds:

- ``app.ready``: lock, unlock, and time from the vault being open (``VaultUnlocked``) to
  READY (the phone registered, sync started, the directory reachable). Baseline: the slowest of those steps run alone in the same round (REGISTER
  through Kamailio, the directory's ``/metadata``, one sync round).
- ``app.event_handoff.p50`` / ``.p99``: an event published on the SIP thread until the
  consumer's handler starts on the consumer's executor thread (a one-thread executor
  standing in for the Qt event loop), via ``Workstation.subscribe``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import emit, median, percentile  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--events", type=int, default=500)
    a = parser.parse_args(argv)

    from agent_desktop.app import StateChanged, Workstation, WorkstationState
    from agent_desktop.demo.certs import make_pki
    from agent_desktop.demo.kamailio import DEFAULT_USERS, Kamailio
    from agent_desktop.paths import AppPaths
    from agent_desktop.phone import events as pev
    from agent_desktop.phone.agent_state import AgentState
    from agent_desktop.phone.credentials import SipCredentials
    from agent_desktop.policy import load_settings
    from agent_desktop.vault.events import VaultUnlocked
    from tests.support.directory_env import start_directory_server
    from tests.support.vault_env import FAST_KDF
    from tests.support.workstation_env import PASSWORD, WorkstationEnv

    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        root = Path(tmp)
        pki = make_pki(root / "pki")
        kam = Kamailio(root / "kamailio", pki).start()
        directory = start_directory_server(root / "directory", pki)
        env = WorkstationEnv(root, pki, kam, directory, directory.record(lambda r: True), root / "none.wav",
                             root)
        home = root / "home"
        paths = AppPaths(home / "data", home / "config", home / "logs")
        settings = load_settings(paths, policy_file=env.policy(home, **{"audit.sync_interval_seconds": 60}))
        ws = Workstation(paths, settings, profile="bench-app", kdf=FAST_KDF)
        try:
            ws.enroll(env.enrolment_token("agent-bench"))
            ws.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"])
            sip = SipCredentials("agent", DEFAULT_USERS["agent"])
            ready: list[float] = []
            slowest: list[float] = []
            sync_round: list[float] = []
            marks: dict[str, float] = {}
            ws.bus.subscribe(VaultUnlocked, lambda e: marks.__setitem__("open", time.perf_counter()))
            ws.bus.subscribe(StateChanged, lambda e: marks.__setitem__("ready", time.perf_counter())
                             if e.state is WorkstationState.READY else None)
            for _ in range(a.rounds):
                ws.lock("manual")
                ws.phone.unregister().result(10)  # as after a long lock: sign-in must register
                ws.unlock(PASSWORD)
                ready.append((marks["ready"] - marks["open"]) * 1000)
                # ready waits for these two; sync is only started (its round runs on)
                slowest.append(max(_ms(lambda: ws.phone.register(sip).result(10)),
                                   _ms(ws._directory_online)))
                sync_round.append(_ms(lambda: ws.sync.sync_once() if ws.sync else None))
            emit("app.ready", median(ready), "ms", median(slowest), rounds=a.rounds,
                 sync_round_ms=round(median(sync_round), 2))

            consumer = ThreadPoolExecutor(1, thread_name_prefix="consumer")
            published: dict[int, float] = {}
            handed: dict[int, float] = {}
            done = threading.Event()
            counter = [0]

            def on_publish(event: Any) -> None:  # on the SIP thread, first listener
                counter[0] += 1
                published[counter[0]] = time.perf_counter()

            def on_consumer(event: Any) -> None:
                handed[len(handed) + 1] = time.perf_counter()
                if len(handed) >= a.events:
                    done.set()

            ws.bus.subscribe(pev.AgentStateChanged, on_publish)
            unsubscribe = ws.subscribe((pev.AgentStateChanged,), on_consumer, consumer)
            for n in range(a.events):
                state = AgentState.NOT_READY if n % 2 else AgentState.AVAILABLE
                ws.phone.set_agent_state(state, "break" if n % 2 else "").result(5)
            done.wait(30)
            unsubscribe()
            consumer.shutdown(wait=True)
            lags = [(handed[k] - published[k]) * 1000 for k in handed if k in published]
            emit("app.event_handoff.p50", percentile(lags, 50), "ms", events=len(lags))
            emit("app.event_handoff.p99", percentile(lags, 99), "ms", events=len(lags))
        finally:
            ws.shutdown()
            directory.server.stop()
            kam.stop()
    return 0


def _ms(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


if __name__ == "__main__":
    raise SystemExit(main())
