"""Events the workstation publishes on the core bus (frozen, PHI-free)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from agent_desktop.presence.states import AgentStatus


class WorkstationState(enum.StrEnum):
    NOT_ENROLLED = "not_enrolled"  # first run: enrol with IT's token
    NO_VAULT = "no_vault"          # enrolled, the vault and SIP credentials are still to create
    LOCKED = "locked"              # enrolled, vault closed: sign in / unlock
    UNLOCKING = "unlocking"
    READY = "ready"                # unlocked: phone, sync, directory running
    SIGNED_OUT = "signed_out"      # revoked or wiped: the reason says which
    STOPPED = "stopped"            # shut down; the object is finished


@dataclass(frozen=True)
class StateChanged:
    state: WorkstationState
    reason: str = ""   # code: "idle", "screen_lock", "manual", "revoked", "wipe", ...
    message: str = ""  # plain words for the agent


@dataclass(frozen=True)
class DropPhi:
    """Every view clears its PHI now: the text is gone, not hidden.

    ``call_id`` None: all of it (lock, wipe, sign-out); otherwise that call's only."""

    reason: str
    call_id: str | None = None


@dataclass(frozen=True)
class ReadyReport:
    """What an unlock brought up; ``problems`` are plain sentences, the app still works."""

    registered: bool
    registration_reason: str
    sync_online: bool
    directory_online: bool
    problems: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AgentStatusChanged:
    status: AgentStatus


@dataclass(frozen=True)
class AfterCallWorkTick:
    """Published every second of after-call work (views never poll for it)."""

    seconds_left: int
    call_id: str | None


@dataclass(frozen=True)
class SettingsChanged:
    names: tuple[str, ...]


@dataclass(frozen=True)
class CallUpdated:
    """A call's context changed (screen pop answered, verification moved, call ended):
    views read :meth:`CallDesk.view` again. Carries the opaque call id only."""

    call_id: str


@dataclass(frozen=True)
class EscalationAcknowledged:
    """A team lead took the agent's request for help (who and when; never the patient)."""

    kind: str
    by: str
    at: float


@dataclass(frozen=True)
class PresenceProblem:
    """The roster server stopped taking the agent's status (``message``), or took it again ("")."""

    message: str
