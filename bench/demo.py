"""The demo's promise: how long from `agent-desktop demo` to the first ringing call.

    dbus-run-session -- bash scripts/with-keyring .venv/bin/python -m bench.demo [--rounds 3]

Lines (seconds, medians over the rounds; the caller dials as soon as it is registered):
- ``demo.first_ring``: start -> the first encrypted call rings at the agent; baseline: start
  -> the workstation is signed in (``ratio`` = how much the call itself adds);
- ``demo.ready``: start -> signed in; baseline: start -> Kamailio and the audit server answer.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench.common import emit

RING_TIMEOUT = 60.0


def one_round(parent: Path) -> tuple[float, float, float]:
    from agent_desktop.demo.runner import Demo, DemoOptions

    demo = Demo(DemoOptions(every_seconds=0, first_call_after=0.01, parent=parent), say=lambda line: None)
    try:
        demo.start()
        demo.begin_calls()
        if not demo.first_ring.wait(RING_TIMEOUT):
            raise SystemExit(f"no call rang within {RING_TIMEOUT:.0f} s")
        t0 = demo.started_at
        return demo.services_at - t0, demo.ready_at - t0, demo.ring_times[0] - t0
    finally:
        demo.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        rounds = [one_round(Path(tmp)) for _ in range(args.rounds)]
    services, ready, ring = (statistics.median(r[i] for r in rounds) for i in range(3))
    emit("demo.first_ring", ring, "s", baseline=ready, rounds=args.rounds, max=round(max(r[2] for r in rounds), 3))
    emit("demo.ready", ready, "s", baseline=services, rounds=args.rounds)


if __name__ == "__main__":
    main()
