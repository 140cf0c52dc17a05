"""SIP credentials, passed in by the caller (taken from the vault after unlock)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SipCredentials:
    """Never logged: ``repr`` hides every field (the user part identifies the agent)."""

    user: str = field(repr=False)
    password: str = field(repr=False)
    auth_user: str = field(default="", repr=False)  # empty: same as ``user``

    def __repr__(self) -> str:
        return "SipCredentials(<hidden>)"

    __str__ = __repr__
