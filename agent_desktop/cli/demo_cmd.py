"""`agent-desktop demo`: the whole product on loopback, in one temporary folder.

Starts what :class:`agent_desktop.demo.runner.Demo` runs and, within seconds, a simulated
caller rings the agent over TLS + SRTP. Ctrl-C (or SIGTERM) stops everything and removes
the folder and the demo's keyring entries; nothing touches the user's own profile.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from agent_desktop.cli.context import EXIT_OK
from agent_desktop.errors import AgentDesktopError


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="run the demo: a real encrypted call rings in within a minute")
    p.add_argument("--headless", action="store_true",
                   help="no window: a scripted agent answers, verifies and prints what happens")
    p.add_argument("--every", type=float, default=120.0, metavar="SECONDS",
                   help="the simulated caller calls again this often (default 120; 0: once)")
    p.add_argument("--first-call-after", type=float, default=2.0, metavar="SECONDS",
                   help="the first call, this long after the agent is listening (default 2)")
    p.add_argument("--calls", type=int, default=0, metavar="N",
                   help="headless: stop after N calls were handled (default: run until Ctrl-C)")
    p.add_argument("--screenshots", type=Path, default=None, metavar="DIR",
                   help="save screenshots of the main moments here (ringing, verified, audit trail, "
                        "who saw, locked); scripts/demo uses .demo/screenshots on a virtual screen")
    p.add_argument("--virtual-screen", action="store_true",
                   help="open the window on a virtual screen (Xvfb): for machines without a display")
    p.add_argument("--audio", action="store_true",
                   help="hear the caller through this computer's sound devices (default: no sound card used)")
    p.add_argument("--tmp", type=Path, default=None, metavar="DIR",
                   help="make the demo's temporary folder in DIR (default: the system's)")
    p.set_defaults(func=run_demo)
    # the demo's own second process (its "Open team lead"); reads its spec on stdin
    lead = sub.add_parser("demo-team-lead")
    lead.set_defaults(func=run_team_lead)


def run_team_lead(args: argparse.Namespace) -> int:
    # imported by name, like `gui`: the core never imports the GUI package
    lead: Any = importlib.import_module("ui.demo.team_lead")
    return int(lead.run_team_lead())


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM ends the demo like Ctrl-C: everything is removed


def run_demo(args: argparse.Namespace) -> int:
    import logging

    from agent_desktop.demo.runner import Demo, DemoOptions
    from agent_desktop.logs import configure_logging

    configure_logging(None, level=logging.WARNING, stderr=True)  # redacted; no file outside the folder
    # pjsua2's own complaints (e.g. a busy RTP port it then skips) are not the demo's story
    logging.getLogger("agent_desktop.pjsua2").setLevel(logging.CRITICAL)
    signal.signal(signal.SIGTERM, _interrupt)
    say = _printer()
    if not args.headless and not args.virtual_screen:
        _check_display()
    options = DemoOptions(every_seconds=max(args.every, 0.0), first_call_after=max(args.first_call_after, 0.0),
                          parent=args.tmp, null_audio=not args.audio)
    demo = Demo(options, say=say)
    try:
        demo.start()
        if args.headless:
            return _headless(demo, args.calls)
        from contextlib import nullcontext

        from agent_desktop.demo.xvfb import virtual_screen

        window: Any = importlib.import_module("ui.demo.run")
        with virtual_screen() if args.virtual_screen else nullcontext():
            return int(window.run_demo_window(demo, args.screenshots, say, calls=args.calls))
    except KeyboardInterrupt:
        return 130
    finally:
        # a second Ctrl-C must not cut the clean-up short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        demo.stop()


def _check_display() -> None:
    import os

    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM"):
        return
    raise AgentDesktopError("There is no display to open the demo's window on.",
                            "Run ./scripts/demo (it uses a virtual screen and saves screenshots), "
                            "`agent-desktop demo --virtual-screen --screenshots DIR` or "
                            "`agent-desktop demo --headless`.")


def _headless(demo: Any, calls: int) -> int:
    from agent_desktop.demo.headless import HeadlessAgent

    agent = HeadlessAgent(demo)
    demo.begin_calls()
    reported = 0
    try:
        while not calls or reported < calls:
            with agent.handled:  # wakes every second: only the main thread hears Ctrl-C
                agent.handled.wait(timeout=1.0)
                handled = agent.calls_handled
            while reported < handled:
                reported += 1
                _report(demo, agent)
        return EXIT_OK
    finally:
        agent.stop()


def _report(demo: Any, agent: Any) -> None:
    trail = demo.audit_trail(limit=10)
    demo.say(f"audit server: newest events {', '.join(e['action'] for e in reversed(trail['events']))}")
    demo.say(agent.report())


def _printer() -> Any:
    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:
            print(f"demo: {line}", flush=True, file=sys.stdout)

    return say
