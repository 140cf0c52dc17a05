"""PHI-safe logging: one redactor for Python logging, crash output and pjsua2's log."""

from agent_desktop.logs.redact import REDACTOR, Redactor, redact
from agent_desktop.logs.setup import RedactingFormatter, configure_logging

__all__ = ["REDACTOR", "RedactingFormatter", "Redactor", "configure_logging", "redact"]
