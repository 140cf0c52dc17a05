"""Python logging, configured once, redacting everything before it is written."""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from io import TextIOWrapper
from pathlib import Path
from types import TracebackType

from agent_desktop.logs.redact import REDACTOR, Redactor
from agent_desktop.paths import create_private_file, ensure_private_dir

LOG_FILE_NAME = "agent-desktop.log"
_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"
_configured_lock = threading.Lock()
_configured: list[logging.Handler] = []


class RedactingFormatter(logging.Formatter):
    """Redacts the message, its arguments, tracebacks and stack info; never the timestamp."""

    def __init__(self, fmt: str = _FORMAT, redactor: Redactor = REDACTOR) -> None:
        super().__init__(fmt)
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        clean = logging.makeLogRecord(record.__dict__)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg!r} (unformattable arguments)"
        clean.msg = self._redactor.redact(message)
        clean.args = None
        if record.exc_info:
            clean.exc_text = self._redactor.redact(self.formatException(record.exc_info))
            clean.exc_info = None
        elif record.exc_text:
            clean.exc_text = self._redactor.redact(record.exc_text)
        if record.stack_info:
            clean.stack_info = self._redactor.redact(record.stack_info)
        return super().format(clean)


class PrivateRotatingFileHandler(logging.FileHandler):
    """Log rotated by size like the standard library's RotatingFileHandler (``.1`` the newest
    of ``backup_count`` old files), every file created 0600. Not that class: importing
    logging.handlers (pickle, queue, socket, struct) costs the first frame ~5 ms."""

    def __init__(self, path: Path, max_bytes: int, backup_count: int, encoding: str = "utf-8") -> None:
        self.max_bytes = max_bytes
        self.backup_count = backup_count
        super().__init__(path, mode="a", encoding=encoding)

    def _open(self) -> TextIOWrapper:
        create_private_file(Path(self.baseFilename))
        return super()._open()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._full(record):
                self._roll_over()
        except Exception:  # noqa: BLE001 - logging never raises into the caller (as Handler.emit)
            self.handleError(record)
            return
        super().emit(record)

    def _full(self, record: logging.LogRecord) -> bool:
        if self.max_bytes <= 0 or not os.path.isfile(self.baseFilename):
            return False  # no limit, or not a regular file (/dev/null): never rotated
        if self.stream is None:
            self.stream = self._open()
        self.stream.seek(0, 2)
        return self.stream.tell() + len(self.format(record)) + 1 >= self.max_bytes

    def _roll_over(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        if self.backup_count > 0:
            for n in range(self.backup_count - 1, 0, -1):
                older, newer = f"{self.baseFilename}.{n}", f"{self.baseFilename}.{n + 1}"
                if os.path.exists(older):
                    os.replace(older, newer)
            os.replace(self.baseFilename, f"{self.baseFilename}.1")
        else:
            os.truncate(self.baseFilename, 0)
        self.stream = self._open()


def configure_logging(log_dir: Path | None, level: int = logging.INFO, stderr: bool = False) -> Path | None:
    """Install redacting handlers on the root logger; safe to call more than once."""
    with _configured_lock:
        root = logging.getLogger()
        for handler in _configured:
            root.removeHandler(handler)
            handler.close()
        _configured.clear()
        path: Path | None = None
        if log_dir is not None:
            ensure_private_dir(log_dir)
            path = log_dir / LOG_FILE_NAME
            file_handler = PrivateRotatingFileHandler(path, max_bytes=5 * 1024 * 1024, backup_count=5)
            file_handler.setFormatter(RedactingFormatter())
            _configured.append(file_handler)
        if stderr:
            err = logging.StreamHandler(sys.stderr)
            err.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
            _configured.append(err)
        for handler in _configured:
            root.addHandler(handler)
        root.setLevel(level)
        # Crash output goes through the same redaction.
        sys.excepthook = _redacting_excepthook
        threading.excepthook = _redacting_thread_excepthook
        os.environ.setdefault("PYTHONFAULTHANDLER", "")
        return path


def _redacting_excepthook(exc_type: type[BaseException], exc: BaseException,
                          tb: TracebackType | None) -> None:
    logging.getLogger("agent_desktop.crash").critical("unhandled exception", exc_info=(exc_type, exc, tb))
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    sys.stderr.write(REDACTOR.redact(text))


def _redacting_thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    logging.getLogger("agent_desktop.crash").critical(
        "unhandled exception in thread %s", args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
    )
