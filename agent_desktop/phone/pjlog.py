"""pjsua2's own log, routed through the PHI redactor into Python logging.

SIP messages carry caller numbers and user parts: message logging is switched off and
the level kept at 3 or below (pjsua logs whole messages only at 4 and 5), and every line
is still redacted before it reaches a handler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

from agent_desktop.logs import redact

MAX_LEVEL = 3
log = logging.getLogger("agent_desktop.pjsua2")

_LEVELS = {0: logging.CRITICAL, 1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO}


class RedactingLogWriter(pj.LogWriter):
    """``on_line`` sees each redacted line first (on the thread pjlib logs from)."""

    def __init__(self, on_line: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self._on_line = on_line

    def write(self, entry: Any) -> None:
        try:
            text = redact(str(entry.msg).rstrip())
            if not text:
                return
            log.log(_LEVELS.get(int(entry.level), logging.DEBUG), "%s", text)
            if self._on_line is not None:
                self._on_line(text)
        except Exception:  # noqa: BLE001 - a failing log line must never reach pjlib
            log.error("a pjsua2 log line could not be handled")


def configure(log_config: Any, writer: RedactingLogWriter, level: int = MAX_LEVEL) -> None:
    """Apply the writer and a level that never includes SIP messages."""
    level = min(level, MAX_LEVEL)
    log_config.writer = writer
    log_config.msgLogging = 0
    log_config.level = level
    log_config.consoleLevel = level
    log_config.filename = ""
    if log_config.msgLogging != 0 or log_config.level != level:
        from agent_desktop.phone.errors import PhoneConfigError

        raise PhoneConfigError("pjsua2 log settings did not take effect.",
                               "Report this: the pjsua2 binding may have changed.")
