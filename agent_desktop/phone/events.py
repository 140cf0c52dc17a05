"""Immutable events the SIP thread publishes on the core bus.

Listeners run on the SIP thread: they must be quick and must never wait on a Phone future
(the UI re-queues them to the GUI thread). Events whose class derives from
:class:`AuditWorthy` are the ones the audit client records; they carry the opaque call id,
never a number or a SIP user part in ``detail``-like fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class PhoneEvent:
    """Base of every phone event (subscribe to it to see them all)."""


class AuditWorthy(PhoneEvent):
    """Base of the events the audit trail must record."""


@dataclass(frozen=True)
class RegistrationChanged(PhoneEvent):
    state: str  # "registering", "registered", "unregistered", "failed"
    code: int
    reason: str  # plain words for a person, never a SIP user part
    expires: int = 0


@dataclass(frozen=True)
class TransportSecurity(PhoneEvent):
    """The TLS connection to the registrar/proxy came up or went down."""

    connected: bool
    protocol: str = ""
    cipher: str = ""
    verify_problem: str = ""  # plain words when server verification failed


@dataclass(frozen=True)
class CallInfo:
    """A snapshot of one call; ``remote`` is for the screen only, never for logs."""

    call_id: str
    direction: str  # "incoming" or "outgoing"
    state: str  # "ringing", "calling", "early", "connecting", "confirmed", "disconnected"
    remote: str
    held: bool = False
    remote_held: bool = False
    muted: bool = False
    srtp_suite: str = ""
    tls: bool = False
    last_code: int = 0
    last_reason: str = ""
    media_active: bool = False


@dataclass(frozen=True)
class IncomingCall(PhoneEvent):
    call: CallInfo


@dataclass(frozen=True)
class CallStateChanged(PhoneEvent):
    call: CallInfo


@dataclass(frozen=True)
class CallMediaChanged(PhoneEvent):
    call: CallInfo


@dataclass(frozen=True)
class CallEnded(PhoneEvent):
    call: CallInfo
    cause: str  # "local_hangup", "remote_hangup", "rejected", "failed", "watchdog", "transferred", "srtp_refused"


@dataclass(frozen=True)
class CallQuality(PhoneEvent):
    call_id: str
    rtt_ms: float
    jitter_ms: float
    loss_percent: float
    rx_packets: int


@dataclass(frozen=True)
class DtmfReceived(PhoneEvent):
    call_id: str
    digit: str


@dataclass(frozen=True)
class TransferProgress(PhoneEvent):
    call_id: str
    code: int
    final: bool


@dataclass(frozen=True)
class AgentStateChanged(PhoneEvent):
    state: str  # "available", "after_call_work", "not_ready"
    reason: str = ""
    seconds_left: int = 0


@dataclass(frozen=True)
class AudioDevicesChanged(PhoneEvent):
    devices: tuple[str, ...]


@dataclass(frozen=True)
class AudioDeviceFallback(PhoneEvent):
    """A chosen device disappeared; the system default is used instead."""

    role: str  # "capture", "playback" or "ring"
    missing: str


@dataclass(frozen=True)
class CallbackFailed(PhoneEvent):
    """An exception inside a pjsua2 callback was caught; the SIP thread carries on."""

    where: str
    error_type: str


@dataclass(frozen=True)
class CallAnswered(AuditWorthy):
    call_id: str
    direction: str
    srtp_suite: str


@dataclass(frozen=True)
class CallRefused(AuditWorthy):
    """A call the phone did not let through: an incoming call answered with an error before
    it rang (or instead of ringing), or an outgoing call the engine ended itself.

    One refusal is one event (the subclasses below are refusals too, so an audit listener
    on ``CallRefused`` or ``AuditWorthy`` records each exactly once). ``reason`` is a word
    from ``REFUSAL_REASONS``, never a number, URI or SIP text.
    """

    call_id: str
    direction: str  # "incoming" or "outgoing"
    code: int  # the SIP status sent (incoming) or that ended the call (outgoing)
    reason: str


REFUSAL_REASONS = {
    "agent_rejected": "the agent declined the call",
    "busy_on_call": "the agent is already on a call",
    "busy_not_ready": "the agent is Not ready",
    "busy_after_call_work": "the agent is in after-call work",
    "too_many_calls": "no call slot was free",
    "no_srtp": "the offer or answer had no SRTP (SDES) audio",
    "dtls_srtp": "the offer asked for DTLS-SRTP, which this phone does not speak",
    "no_audio": "the offer had no usable audio stream",
    "malformed_sdp": "the session description could not be read",
    "sips_required": "the far end's address was not secure for a sips: dialog",
    "not_acceptable": "the phone could not serve the call (media or signalling)",
    "shutting_down": "the phone was stopping",
}


@dataclass(frozen=True)
class CallRejected(CallRefused):
    """An incoming call turned down by the agent (603/486) or because the agent is busy."""

    @property
    def why(self) -> str:  # the name this event had before CallRefused existed
        return self.reason


@dataclass(frozen=True)
class SrtpRefused(CallRefused):
    """A call without SRTP media was refused (488 incoming) or hung up (outgoing)."""

    detail: str = ""


@dataclass(frozen=True)
class CallTransferred(AuditWorthy):
    call_id: str
    kind: str  # "blind" or "attended"
    success: bool
    reason: str = ""  # on failure: "refused" (final NOTIFY not 2xx) or "timeout" (none came)


@dataclass(frozen=True)
class CallCleanedUp(AuditWorthy):
    """The watchdog removed a call stuck in one state."""

    call_id: str
    stuck_state: str
    seconds: float


@dataclass(frozen=True)
class PhoneStopped(PhoneEvent):
    clean: bool
    problems: tuple[str, ...] = field(default_factory=tuple)


# --- supervisor monitoring (agent side; see agent_desktop/phone/monitor_bridge.py) -------
@dataclass(frozen=True)
class MonitorEvent(AuditWorthy):
    """A step of a team lead's monitoring session on this agent's call. ``call_id`` is the
    monitored customer call, ``leg_id`` the supervisor's leg; ``nonce`` (the grant's) ties
    the agent's record to the team lead's."""

    call_id: str
    leg_id: str
    sup: str
    nonce: str


@dataclass(frozen=True)
class MonitorStarted(MonitorEvent):
    mode: str
    granted: str  # the highest mode the grant allows


@dataclass(frozen=True)
class MonitorModeChanged(MonitorEvent):
    mode: str
    previous: str
    via: str  # "reinvite" (a new grant in the dialog) or "dtmf"


@dataclass(frozen=True)
class MonitorModeRefused(MonitorEvent):
    """A mode change beyond what the grant allows, or with a grant that failed."""

    requested: str
    via: str
    reason: str  # beyond_grant, other_team_lead, or what was wrong with the new grant


@dataclass(frozen=True)
class MonitorEnded(MonitorEvent):
    cause: str  # "supervisor_hangup", "customer_call_ended", "session_limit", "agent_hangup", ...
    seconds: float


@dataclass(frozen=True)
class MonitorRefused(CallRefused):
    """An INVITE carrying a monitor grant, answered 403 (or 486 when the agent is on no
    customer call). ``sup``/``nonce`` are what the grant claimed (unverified)."""

    sup: str = ""
    nonce: str = ""
    why: str = ""  # forged, expired, replayed, other_agent, malformed, no_customer_call, not_set_up


REFUSAL_REASONS["monitor_refused"] = "a monitoring request without a valid grant"
REFUSAL_REASONS["monitor_no_call"] = "a monitoring request while no customer call was up"
