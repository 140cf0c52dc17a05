"""The agent's availability: decides whether an incoming call rings or gets 486 Busy Here."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass


class AgentState(enum.Enum):
    AVAILABLE = "available"
    AFTER_CALL_WORK = "after_call_work"
    NOT_READY = "not_ready"


@dataclass
class AgentAvailability:
    """Pure state machine (no threads, no pjsua2); the clock is injected."""

    after_call_work_seconds: int
    clock: Callable[[], float]
    state: AgentState = AgentState.AVAILABLE
    reason: str = ""
    acw_until: float = 0.0

    def set(self, state: AgentState, reason: str = "") -> None:
        self.state = state
        self.reason = reason if state is AgentState.NOT_READY else ""
        self.acw_until = (self.clock() + self.after_call_work_seconds
                          if state is AgentState.AFTER_CALL_WORK else 0.0)

    def call_finished(self) -> bool:
        """An answered call ended: start after-call work unless the agent is Not ready.

        Returns True when the state changed.
        """
        if self.state is AgentState.NOT_READY:
            return False
        if self.after_call_work_seconds <= 0:
            return False
        self.set(AgentState.AFTER_CALL_WORK)
        return True

    def tick(self) -> bool:
        """Leave after-call work when its timer ran out; True when the state changed."""
        if self.state is AgentState.AFTER_CALL_WORK and self.clock() >= self.acw_until:
            self.set(AgentState.AVAILABLE)
            return True
        return False

    def seconds_left(self) -> int:
        if self.state is not AgentState.AFTER_CALL_WORK:
            return 0
        return max(0, round(self.acw_until - self.clock()))

    def busy_reason(self) -> str:
        """'' when a new call may ring, else why it is answered 486."""
        if self.state is AgentState.NOT_READY:
            return "busy_not_ready"
        if self.state is AgentState.AFTER_CALL_WORK:
            return "busy_after_call_work"
        return ""
