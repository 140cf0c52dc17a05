"""Today's calls, kept in the vault's PHI cache (so the PHI TTL purges them) and shown with
the number masked until the agent reveals it, which is audited.

An entry: time, direction, duration, disposition and the remote number (PHI: it can
identify a patient). Nothing of it leaves the vault in clear; the audit record of a reveal
names the call id only.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent_desktop.errors import AgentDesktopError

NAMESPACE = "calls.recent"
LOOKUP = "recent"  # every entry shares it, so one indexed query lists them all
TIMEOUT = 10.0


@dataclass(frozen=True)
class RecentCall:
    call_id: str
    started: float
    direction: str
    seconds: float
    disposition: str
    masked: str

    def __repr__(self) -> str:
        return f"RecentCall({self.call_id!r}, {self.direction}, {self.seconds:.0f}s)"


def mask(number: str) -> str:
    d = re.sub(r"\D", "", number)
    return "••• ••• ••" + d[-2:] if len(d) >= 4 else "•••"


def dialable(remote: str) -> str:
    """What to dial back: the URI's user part (a number or an extension)."""
    found = re.search(r"(?:sips?|tel):([^@;>?]+)", remote)
    return found.group(1) if found else remote


class RecentCalls:
    def __init__(self, cache: Any, recorder: Any, clock: Callable[[], float] = time.time) -> None:
        self.cache = cache
        self.recorder = recorder
        self.clock = clock

    def add(self, call_id: str, started: float, direction: str, seconds: float, remote: str) -> None:
        self.cache.put(NAMESPACE, call_id, {"started": started, "direction": direction, "seconds": seconds,
                                            "disposition": "", "number": dialable(remote)},
                       lookup=LOOKUP).result(TIMEOUT)

    def set_disposition(self, call_id: str, code: str) -> None:
        entry = self.cache.get(NAMESPACE, call_id).result(TIMEOUT)
        if entry is not None:
            self.cache.put(NAMESPACE, call_id, {**entry.value, "disposition": code}, lookup=LOOKUP).result(TIMEOUT)

    def list(self) -> list[RecentCall]:
        entries = self.cache.find(NAMESPACE, LOOKUP).result(TIMEOUT)
        out = [RecentCall(e.key, float(e.value["started"]), str(e.value["direction"]), float(e.value["seconds"]),
                          str(e.value.get("disposition", "")), mask(str(e.value.get("number", ""))))
               for e in entries]
        return sorted(out, key=lambda c: c.started, reverse=True)

    def number(self, call_id: str, purpose: str) -> str:
        """The full number, for display ("view") or to call back ("redial"); audited first."""
        entry = self.cache.get(NAMESPACE, call_id).result(TIMEOUT)
        if entry is None:
            raise AgentDesktopError("That call is no longer in the recent calls.",
                                    "Recent calls are kept only as long as your organisation allows.")
        self.recorder.record("call.number_" + purpose, call_id=call_id)
        return str(entry.value["number"])
