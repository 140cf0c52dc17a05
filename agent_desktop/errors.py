"""Base exception: every error a person may see says what happened and what to do."""

from __future__ import annotations


class AgentDesktopError(Exception):
    """An error with a message a person can act on.

    ``hint`` says what to do about it; ``str(err)`` gives both, so a CLI or a dialog can
    show the exception as it is.

    ``code`` names the failures an agent's screen explains in the agent's language
    (ui/errors.py maps codes to translated texts; the English message stays for logs and CLI).
    """

    code: str = ""

    def __init__(self, message: str, hint: str = "", *, code: str = "") -> None:
        self.message = message
        self.hint = hint
        if code:
            self.code = code
        super().__init__(f"{message} {hint}".strip() if hint else message)
