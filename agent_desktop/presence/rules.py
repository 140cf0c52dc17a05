"""What a published agent status may contain: checked by the client before it sends one and
by the server before it stores one, with the same rules and the same words.

A status is PHI-free by construction: a state from the vocabulary, a reason *code*, times,
the agent's own SIP address of record and an escalation *kind*. Anything that could be a
caller's number, a patient or free text is refused, and a refusal never repeats the value.
"""

from __future__ import annotations

import re

from agent_desktop.presence.states import ESCALATION_KINDS, Presence

# what a client may publish; ``offline`` is the server's verdict on a silent client
PUBLISHABLE = tuple(p.value for p in Presence if p is not Presence.OFFLINE)
MAX_REASON = 40
MAX_AOR = 256
_REASON_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_DIGIT_RUN_RE = re.compile(r"\d{4,}")
# sips:user@host[:port]; no display name, parameters or headers (nothing else travels)
_AOR_RE = re.compile(r"sips?:(?P<user>[A-Za-z0-9._~+-]{1,64})@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})"
                     r"(?::\d{1,5})?")
_PHONE_LIKE_RE = re.compile(r"\+?[\d.-]{7,}")


def state_problem(state: str) -> str | None:
    if state == Presence.OFFLINE.value:
        return "state: offline is decided by the server when a client stops reporting; sign out instead"
    if state not in PUBLISHABLE:
        return f"state: expected one of {', '.join(PUBLISHABLE)}"
    return None


def reason_problem(reason: str, state: str) -> str | None:
    """A not-ready reason is a short code from the policy (lunch, training), never text."""
    if not reason:
        return None
    if state != Presence.NOT_READY.value:
        return "reason: only a not-ready state carries a reason"
    if len(reason) > MAX_REASON or not _REASON_RE.fullmatch(reason):
        return "reason: expected a reason code (lowercase letters, digits, underscores; up to 40)"
    if _DIGIT_RUN_RE.search(reason):
        return "reason: a code with 4 or more digits in a row could be an identifier"
    return None


def aor_problem(aor: str) -> str | None:
    """The agent's own address of record, so a team lead can call the agent back."""
    if not aor:
        return None
    if len(aor) > MAX_AOR:
        return f"aor: longer than {MAX_AOR} characters"
    match = _AOR_RE.fullmatch(aor)
    if match is None:
        return "aor: expected the agent's SIP address of record, sips:user@domain (no parameters)"
    if _PHONE_LIKE_RE.fullmatch(match["user"]):
        # a number here is more likely a caller's than an agent's SIP user name
        return "aor: the user part looks like a telephone number; publish the agent's SIP user name"
    return None


def escalation_problem(kind: str | None) -> str | None:
    if kind is None or kind in ESCALATION_KINDS:
        return None
    return f"escalation: expected one of {', '.join(ESCALATION_KINDS)}"


def status_problem(state: str, reason: str = "", aor: str = "", escalation: str | None = None) -> str | None:
    """The first reason this status may not be published, or None."""
    return (state_problem(state) or reason_problem(reason, state) or aor_problem(aor)
            or escalation_problem(escalation))
