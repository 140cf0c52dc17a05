"""Errors of the softphone engine; each says what happened and what to do."""

from __future__ import annotations

from agent_desktop.errors import AgentDesktopError


class PhoneError(AgentDesktopError):
    """Base of every phone error."""


class PhoneConfigError(PhoneError):
    """A setting is missing, invalid, or did not take effect in pjsua2."""


class PhoneNotRunning(PhoneError):
    code = "phone.not_running"

    def __init__(self) -> None:
        super().__init__("The phone engine is not running.", "Start the phone (sign in) and try again.")


class PhoneAlreadyRunning(PhoneError):
    def __init__(self) -> None:
        super().__init__("Another phone engine is still running in this program, and pjsua2 "
                         "allows only one at a time.",
                         "Stop the other phone (sign out of its workstation) first; a team lead's "
                         "view and an agent's desktop each need a process of their own.")


class InvalidDialTarget(PhoneError):
    def __init__(self, why: str) -> None:
        super().__init__(f"Cannot dial that: {why}.",
                         "Enter a phone number (digits, optional leading +) or a sips: address.")


class UnknownCall(PhoneError):
    def __init__(self, call_id: str) -> None:
        super().__init__(f"There is no call {call_id}.", "The call may already have ended.")


class CallOperationFailed(PhoneError):
    """pjsua2 refused an operation on a call (e.g. hold before the call is answered)."""


class NotRegistered(PhoneError):
    def __init__(self) -> None:
        super().__init__("The phone has no SIP account yet.", "Sign in so the phone can register.")
