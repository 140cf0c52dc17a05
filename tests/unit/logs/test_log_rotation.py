"""The log file rotates by size, keeps a fixed number of old files, each private (0600)."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from agent_desktop.logs.setup import PrivateRotatingFileHandler, RedactingFormatter


def write(handler: logging.Handler, lines: int) -> None:
    for n in range(lines):
        handler.handle(logging.makeLogRecord({"msg": f"line {n:04d} " + "x" * 80, "levelno": logging.INFO,
                                              "levelname": "INFO", "name": "t"}))


def test_the_log_rotates_keeps_five_old_files_each_private(tmp_path: Path) -> None:
    path = tmp_path / "agent-desktop.log"
    handler = PrivateRotatingFileHandler(path, max_bytes=1000, backup_count=5)
    handler.setFormatter(RedactingFormatter("%(message)s"))
    write(handler, 100)
    handler.close()
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["agent-desktop.log"] + [f"agent-desktop.log.{n}" for n in range(1, 6)]
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
        assert f.stat().st_size < 1000
    newest, older = path.read_text().splitlines(), (tmp_path / "agent-desktop.log.1").read_text().splitlines()
    assert newest[-1].startswith("line 0099")
    # no line lost between the files: .1 ends just before the current file begins
    assert int(older[-1].split()[1]) + 1 == int(newest[0].split()[1])


def test_an_existing_log_is_appended_to_and_rotated_when_full(tmp_path: Path) -> None:
    path = tmp_path / "agent-desktop.log"
    path.write_text("from the last run\n")
    handler = PrivateRotatingFileHandler(path, max_bytes=200, backup_count=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    write(handler, 1)
    assert path.read_text().startswith("from the last run\nline 0000")
    write(handler, 1)
    handler.close()
    assert (tmp_path / "agent-desktop.log.1").read_text().startswith("from the last run")
    assert path.read_text().startswith("line 0000")
