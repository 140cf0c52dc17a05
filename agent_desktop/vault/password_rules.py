"""Vault password rules from policy: minimum length, not the agent id, not trivially weak."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent_desktop.vault.errors import WeakPassword

# The handful every breach list starts with; length rules catch most of the rest.
_COMMON = {
    "password", "passw0rd", "letmein", "welcome", "qwerty", "iloveyou", "admin", "changeme",
    "secret", "trustno1", "monkey", "dragon", "football", "baseball", "sunshine", "princess",
    "abc123", "hospital", "patient", "healthcare", "agentdesktop",
}
_KEYBOARD_ROWS = ("qwertyuiopasdfghjklzxcvbnm", "1234567890", "abcdefghijklmnopqrstuvwxyz")


# Rule codes, in the order they are checked (the sign-in screen shows each as you type).
RULES = ("length", "not_agent_id", "variety", "not_common", "not_sequence")


@dataclass(frozen=True)
class RuleResult:
    code: str       # one of RULES
    passed: bool
    problem: str    # why it fails, for :class:`WeakPassword`


def evaluate(password: str, min_length: int, profile: str = "") -> list[RuleResult]:
    """Every rule with whether ``password`` passes it (for a live checklist)."""
    lowered = password.lower()
    core = re.sub(r"[^a-z]", "", lowered)
    common = core in _COMMON or lowered.rstrip("0123456789!@#$%^&*.?") in _COMMON
    return [
        RuleResult("length", len(password) >= min_length,
                   f"it has {len(password)} characters; at least {min_length} are required"),
        RuleResult("not_agent_id", not (profile and profile.lower() in lowered),
                   "it contains your agent id"),
        RuleResult("variety", len(set(lowered)) >= 5, "it repeats too few different characters"),
        RuleResult("not_common", not common, "it is one of the most common passwords"),
        RuleResult("not_sequence", not (password and _is_run(lowered)),
                   "it is a keyboard or alphabet sequence"),
    ]


def check_password(password: str, min_length: int, profile: str = "") -> None:
    """Raise :class:`WeakPassword` naming the first rule ``password`` breaks."""
    for rule in evaluate(password, min_length, profile):
        if not rule.passed:
            raise WeakPassword(rule.problem)


def _is_run(text: str) -> bool:
    """True when ``text`` is a repetition of a slice of a keyboard row / the alphabet."""
    for row in _KEYBOARD_ROWS:
        for source in (row, row[::-1]):
            for start in range(len(source)):
                for end in range(start + 3, len(source) + 1):
                    piece = source[start:end]
                    if (piece * (len(text) // len(piece) + 1))[: len(text)] == text:
                        return True
    return False
