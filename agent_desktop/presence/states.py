"""The agent states every part of the product speaks.

The phone engine decides ringing vs 486 from the three states an agent chooses
(available, after-call work, not ready); the workstation adds ``on_call`` while a call is
up; the server adds ``offline`` for a client that went silent. A status carries the
reason (for not ready: one of the policy's reasons), since when, and the agent's SIP
address of record so a team lead can call it. It never carries a caller or a patient.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Presence(enum.StrEnum):
    AVAILABLE = "available"
    ON_CALL = "on_call"
    AFTER_CALL_WORK = "after_call_work"
    NOT_READY = "not_ready"
    OFFLINE = "offline"  # set by the server only: the client stopped reporting


# Why an agent asks a team lead for help; shown on the roster row with the time, never the patient.
ESCALATION_KINDS = ("minor_patient", "caller_other", "social_engineering", "need_help")


@dataclass(frozen=True)
class AgentStatus:
    state: Presence
    reason: str = ""        # not-ready reason code from policy; "" otherwise
    since: float = 0.0      # epoch seconds when this state began
    aor: str = ""           # the agent's SIP address of record (sips:user@domain)
    escalation: str = ""    # one of ESCALATION_KINDS while a request for help is open
    escalated_at: float = 0.0

    def as_json(self) -> dict[str, object]:
        return {"state": self.state.value, "reason": self.reason, "since": self.since,
                "aor": self.aor, "escalation": self.escalation or None,
                "escalated_at": self.escalated_at or None}
