"""The agent side's monitoring policy: may this supervisor leg be bridged in?

The engine hands every INVITE (or in-dialog INFO) that carries ``X-Monitor-Grant`` here, on
the SIP thread. A grant passes only with the audit server's signature, before its ``exp``,
with a nonce this workstation has not seen, and naming this agent; the engine itself checks
that a customer call is up. Verification is a few microseconds of Ed25519: no I/O.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from agent_desktop.monitoring.grant import MODES, InvalidGrant, unb64, verify_grant

HEADER = "X-Monitor-Grant"
_CLAIMED_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
_CLAIMED_NONCE = re.compile(r"[0-9a-f]{8,64}")
_CLAIMED_MODE = re.compile(r"[a-z]{1,16}")
DTMF_MODES = {"4": "listen", "5": "whisper", "6": "barge"}


# what was wrong with a grant, as a word fit for an audit record (never free text)
PROBLEMS = (("signature", "forged"), ("expired", "expired"), ("already used", "replayed"),
            ("another agent", "other_agent"))


_AS_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def audit_ref(nonce: str) -> str:
    """A grant's nonce as both sides record it: audit details refuse runs of digits (they
    could be a phone number), so hex digits 0-9 are written as the letters g-p. One-to-one:
    an auditor maps it back with the reverse table."""
    return nonce.lower().translate(_AS_LETTERS)


def problem_code(err: InvalidGrant) -> str:
    return next((code for words, code in PROBLEMS if words in err.message), "malformed")


@dataclass(frozen=True)
class Grant:
    sup: str
    agent: str
    mode: str
    exp: int
    nonce: str

    def allows(self, mode: str) -> bool:
        """A grant names the highest mode: barge allows whisper and listen."""
        return mode in MODES and MODES.index(mode) <= MODES.index(self.mode)


def claimed_fields(token: str) -> dict[str, str]:
    """The sup, nonce and mode a token claims, unverified (for the record of a refusal only);
    short strings, never trusted."""
    try:
        body = json.loads(unb64(token.split(".", 1)[0]))
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(body, dict):
        return {}
    # a forger chooses these: only shapes an audit record accepts, so a refusal is never
    # lost to a value its record would refuse (a phone number, free text)
    shapes = {"sup": _CLAIMED_ID, "nonce": _CLAIMED_NONCE, "mode": _CLAIMED_MODE}
    out: dict[str, str] = {}
    for key, shape in shapes.items():
        value = body.get(key)
        if isinstance(value, str):
            ok = shape.fullmatch(value) and (key == "nonce" or not re.search(r"\d{4,}", value))
            out[key] = value if ok else "unreadable"
    return out


class MonitorGate:
    """``public_key_hex``: the audit server's Ed25519 key pinned at enrolment;
    ``agent``: who this workstation signed in as; ``max_session_minutes``: policy's
    ``monitoring.max_session_minutes`` (the engine ends a longer session)."""

    def __init__(self, public_key_hex: str, agent: str, *, max_session_minutes: float = 30,
                 clock: Callable[[], float] = time.time) -> None:
        self.public_key_hex = public_key_hex
        self.agent = agent
        self.max_session_seconds = max_session_minutes * 60
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: set[str] = set()  # nonces used on this workstation (grants live ~1 min)

    def check(self, token: str) -> Grant:
        """Raises InvalidGrant with what was wrong (forged, expired, replayed, other agent)."""
        if not token:
            raise InvalidGrant("no monitor grant", "The team lead's client must send one.")
        with self._lock:
            g = verify_grant(self.public_key_hex, token.strip(), agent=self.agent,
                             now=self._clock(), seen_nonces=self._seen)
        return Grant(g["sup"], g["agent"], g["mode"], g["exp"], g["nonce"])


__all__ = ["DTMF_MODES", "HEADER", "Grant", "InvalidGrant", "MonitorGate", "claimed_fields",
           "audit_ref", "problem_code"]
