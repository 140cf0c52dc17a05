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
class CallRejected(AuditWorthy):
    call_id: str
    code: int
    why: str  # "agent_rejected", "busy_not_ready", "busy_after_call_work"


@dataclass(frozen=True)
class SrtpRefused(AuditWorthy):
    """A call without SRTP media was refused (488 incoming) or hung up (outgoing)."""

    call_id: str
    direction: str
    detail: str


@dataclass(frozen=True)
class CallTransferred(AuditWorthy):
    call_id: str
    kind: str  # "blind" or "attended"
    success: bool


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
