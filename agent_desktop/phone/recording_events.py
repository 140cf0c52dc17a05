"""Recording events of the phone (kept apart from events.py; no pjsua2 import)."""

from __future__ import annotations

from dataclasses import dataclass

from agent_desktop.phone.events import AuditWorthy, PhoneEvent


@dataclass(frozen=True)
class CallRecordingChanged(AuditWorthy):
    """A call's recording moved: "announcing" (the notice plays to both sides first),
    "recording", or "stopped" (``reason``: "agent", "call_ended", "shutdown", "failed").
    The UI shows the agent that the call is being recorded from this event."""

    call_id: str
    state: str
    reason: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class PlaybackEnded(PhoneEvent):
    """A recording played on the agent's playback device finished or was stopped."""

    playback_id: str
    completed: bool
