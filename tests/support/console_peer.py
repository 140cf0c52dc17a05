"""A third-party SIP client driven through its console (baresip, linphonec): every output
line is kept (and appended to a log file for whoever reads a failure), waited for by pattern,
and commands are typed on its stdin."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from pathlib import Path


class PeerTimeout(AssertionError):
    pass


class ConsolePeer:
    name = "peer"
    proc: subprocess.Popen[bytes]

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.lines: list[str] = []
        self._cond = threading.Condition()

    def _start_reading(self, thread_name: str) -> None:
        self._reader = threading.Thread(target=self._read, name=thread_name, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with open(self.log_path, "ab") as log:
            for raw in self.proc.stdout:
                log.write(raw)
                log.flush()
                with self._cond:
                    self.lines.append(raw.decode(errors="replace").rstrip())
                    self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def mark(self) -> int:
        """The position after which :meth:`wait_line` should look (``since=``)."""
        with self._cond:
            return len(self.lines)

    def wait_line(self, pattern: str, timeout: float = 15.0, since: int = 0) -> re.Match[str]:
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[since:]:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise PeerTimeout(f"{self.name}: no line /{pattern}/ in {timeout:.0f}s; "
                                      f"last: {self.lines[-12:]}")
                self._cond.wait(min(left, 0.2))

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((command + "\n").encode())
        self.proc.stdin.flush()
