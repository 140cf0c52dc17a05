"""Typed answers of the presence API: roster rows and escalations, parsed strictly.

A malformed answer raises :class:`PresenceError` naming the field, never echoing values.
Durations tick on the team lead's clock: a roster remembers the server's time when it was
read, so ``elapsed`` does not depend on the lead's clock agreeing with the server's.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent_desktop.errors import AgentDesktopError
from agent_desktop.presence.states import ESCALATION_KINDS, Presence


class PresenceError(AgentDesktopError):
    """A presence call failed: refused, malformed, or the server answered something unusable."""


class PresenceUnavailable(PresenceError):
    """The server cannot be reached now (network, timeout, 5xx); a later call may succeed."""

    code = "server.unreachable"


@dataclass(frozen=True)
class Escalation:
    id: str
    agent_id: str
    kind: str
    raised_at: float
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


@dataclass(frozen=True)
class RosterRow:
    agent_id: str
    role: str
    state: Presence
    reason: str
    since: float | None       # server-clock seconds this state began (None: never reported)
    aor: str
    last_seen: float | None
    escalations: tuple[Escalation, ...] = ()


@dataclass(frozen=True)
class Roster:
    team: str
    server_now: float
    offline_after: float
    rows: tuple[RosterRow, ...]
    read_at: float = field(default_factory=time.monotonic)  # local monotonic time of the answer

    def server_time(self, monotonic_now: float | None = None) -> float:
        """The server's clock now, extrapolated from the answer with the local monotonic clock."""
        now = time.monotonic() if monotonic_now is None else monotonic_now
        return self.server_now + max(0.0, now - self.read_at)

    def elapsed(self, since: float | None, monotonic_now: float | None = None) -> float | None:
        if since is None:
            return None
        return max(0.0, self.server_time(monotonic_now) - since)


def _field(obj: Mapping[str, Any], name: str, kinds: type | tuple[type, ...], where: str,
           optional: bool = False) -> Any:
    value = obj.get(name)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise PresenceError(f"the server's {where} is malformed ({name!r} missing or of the wrong type)",
                            "Check that audit.server_url points at an Agent Desktop server of this version.")
    return value


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PresenceError(f"the server's {where} is not a JSON object",
                            "Check that audit.server_url points at an Agent Desktop server.")
    return value


def _time(obj: Mapping[str, Any], name: str, where: str) -> float:
    return float(_field(obj, name, (int, float), where))


def _opt_time(obj: Mapping[str, Any], name: str, where: str) -> float | None:
    value = _field(obj, name, (int, float), where, optional=True)
    return None if value is None else float(value)


def _text(obj: Mapping[str, Any], name: str, where: str) -> str:
    return str(_field(obj, name, str, where, optional=True) or "")


def parse_escalation(raw: Any, agent_id: str = "") -> Escalation:
    obj = _mapping(raw, "escalation")
    kind = _field(obj, "kind", str, "escalation")
    if kind not in ESCALATION_KINDS:
        raise PresenceError("the server's escalation has an unknown kind",
                            "Update this workstation to the server's version.")
    return Escalation(id=_field(obj, "id", str, "escalation"),
                      agent_id=_text(obj, "agent_id", "escalation") or agent_id, kind=kind,
                      raised_at=_time(obj, "raised_at", "escalation"),
                      acknowledged_by=_field(obj, "acknowledged_by", str, "escalation", optional=True),
                      acknowledged_at=_opt_time(obj, "acknowledged_at", "escalation"))


def parse_roster(raw: Any, read_at: float | None = None) -> Roster:
    obj = _mapping(raw, "roster")
    agents = _field(obj, "agents", list, "roster")
    rows = []
    for item in agents:
        a = _mapping(item, "roster row")
        agent_id = _field(a, "agent_id", str, "roster row")
        try:
            state = Presence(_field(a, "state", str, "roster row"))
        except ValueError:
            raise PresenceError("the server's roster has an unknown agent state",
                                "Update this workstation to the server's version.") from None
        rows.append(RosterRow(
            agent_id=agent_id, role=_field(a, "role", str, "roster row"), state=state,
            reason=_text(a, "reason", "roster row"), since=_opt_time(a, "since", "roster row"),
            aor=_text(a, "aor", "roster row"), last_seen=_opt_time(a, "last_seen", "roster row"),
            escalations=tuple(parse_escalation(e, agent_id)
                              for e in _field(a, "escalations", list, "roster row"))))
    return Roster(team=_field(obj, "team", str, "roster"), server_now=_time(obj, "now", "roster"),
                  offline_after=_time(obj, "offline_after", "roster"),
                  rows=tuple(rows), read_at=time.monotonic() if read_at is None else read_at)
