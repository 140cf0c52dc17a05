"""Vault password rules from policy: minimum length, not the agent id, not trivially weak."""

from __future__ import annotations

import re

from agent_desktop.vault.errors import WeakPassword

# The handful every breach list starts with; length rules catch most of the rest.
_COMMON = {
    "password", "passw0rd", "letmein", "welcome", "qwerty", "iloveyou", "admin", "changeme",
    "secret", "trustno1", "monkey", "dragon", "football", "baseball", "sunshine", "princess",
    "abc123", "hospital", "patient", "healthcare", "agentdesktop",
}
_KEYBOARD_ROWS = ("qwertyuiopasdfghjklzxcvbnm", "1234567890", "abcdefghijklmnopqrstuvwxyz")


def check_password(password: str, min_length: int, profile: str = "") -> None:
    """Raise :class:`WeakPassword` naming the first rule ``password`` breaks."""
    if len(password) < min_length:
        raise WeakPassword(f"it has {len(password)} characters; at least {min_length} are "
                           "required")
    lowered = password.lower()
    if profile and profile.lower() in lowered:
        raise WeakPassword("it contains your agent id")
    if len(set(lowered)) < 5:
        raise WeakPassword("it repeats too few different characters")
    core = re.sub(r"[^a-z]", "", lowered)
    if core in _COMMON or lowered.rstrip("0123456789!@#$%^&*.?") in _COMMON:
        raise WeakPassword("it is one of the most common passwords")
    if _is_run(lowered):
        raise WeakPassword("it is a keyboard or alphabet sequence")


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
