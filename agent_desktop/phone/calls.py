"""The SIP thread's bookkeeping for one call (mutable, never shared with other threads)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from agent_desktop.phone.events import CallInfo

PJ_STATE_NAMES = {0: "null", 1: "calling", 2: "ringing", 3: "early", 4: "connecting",
                  5: "confirmed", 6: "disconnected"}

_CRYPTO = re.compile(r"a=crypto:\d+\s+([A-Z0-9_]+)\s", re.I)


def crypto_suite_in(sdp: str) -> str:
    """The first SDES crypto suite in an SDP body ('' when there is none)."""
    m = _CRYPTO.search(sdp)
    return m.group(1).upper() if m else ""


@dataclass
class CallRecord:
    call_id: str
    direction: str
    remote: str
    created: float
    pj_call: Any = None
    state: str = "null"
    state_since: float = 0.0
    answered: bool = False
    hangup_at: float | None = None
    held: bool = False
    remote_held: bool = False
    muted: bool = False
    media_active: bool = False
    audio_index: int = -1
    srtp_suite: str = ""
    tls: bool = False
    last_code: int = 0
    last_reason: str = ""
    rejected_why: str = ""
    srtp_refused: bool = False
    transfer_kind: str = ""
    transfer_at: float | None = None  # when a transfer was sent and its final answer awaited
    transferred: bool = False
    ringing_tone: bool = False
    # (source, sink) AudioMedia pairs this engine connected, undone on media changes
    links: list[tuple[Any, Any]] = field(default_factory=list)
    ended: bool = False
    watchdog: bool = False
    monitor: Any = None  # a MonitorLeg when this is a team lead's monitoring leg

    def info(self) -> CallInfo:
        return CallInfo(
            call_id=self.call_id, direction=self.direction, state=self.state, remote=self.remote,
            held=self.held, remote_held=self.remote_held, muted=self.muted,
            srtp_suite=self.srtp_suite, tls=self.tls, last_code=self.last_code,
            last_reason=self.last_reason, media_active=self.media_active,
        )

    def end_cause(self) -> str:
        if self.srtp_refused:
            return "srtp_refused"
        if self.watchdog:
            return "watchdog"
        if self.transferred:
            return "transferred"
        if self.rejected_why:
            return "rejected"
        if self.hangup_at is not None:
            return "local_hangup"
        if not self.answered and self.last_code >= 300:
            return "failed"
        return "remote_hangup"


def ended_info(info: CallInfo) -> CallInfo:
    return replace(info, state="disconnected", media_active=False)
