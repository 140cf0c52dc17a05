"""No PHI survives into a log file: messages, arguments, tracebacks, crash output."""

from __future__ import annotations

import logging
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from agent_desktop.logs import Redactor, configure_logging, redact

# Synthetic patient values as they appear in real lines (SIP traces, agent notes, errors).
SENSITIVE = {
    "+16175550142": "INVITE from sip:+16175550142@pbx.example.org;transport=tls",
    "6175550142": 'From: "Lucia Perez" <sip:6175550142@10.1.2.3>;tag=abc',
    "(617) 555-0198": "callback number (617) 555-0198 noted",
    "617.555.0123": "alt phone 617.555.0123",
    "03/04/1961": "caller said DOB 03/04/1961",
    "1961-03-04": "record dob=1961-03-04 matched",
    "March 4, 1961": "born March 4, 1961",
    "4 de marzo de 1961": "fecha 4 de marzo de 1961",
    "123-45-6789": "ssn 123-45-6789 on file",
    "MBR-4839201": "member MBR-4839201 verified",
    "XJH987654321": "plan id XJH987654321",
    "02139": "zip 02139 matched",
    "lucia.perez@example.com": "email lucia.perez@example.com bounced",
    "tel:+16175550142": "Refer-To: tel:+16175550142",
    "Lucia Perez": 'From: "Lucia Perez" <sip:6175550142@10.1.2.3>;tag=abc',
}


@pytest.mark.parametrize("value", sorted(SENSITIVE))
def test_redact_masks_each_kind_of_phi(value: str) -> None:
    line = SENSITIVE[value]
    assert value in line
    assert value not in redact(line)


def test_redact_keeps_operational_facts() -> None:
    line = "registered to 127.0.0.1:5061 in 12 ms, seq=42, event 0190f5e2-7a3b-7c4d-8e9f-0123456789ab"
    assert redact(line) == line


def test_known_literals_are_masked_case_insensitively() -> None:
    r = Redactor()
    r.add_literal("José García-López")
    assert "García" not in r.redact("opened record of JOSÉ GARCÍA-LÓPEZ".lower())
    assert r.redact("opened José García-López") == "opened [redacted]"


def test_log_file_is_private_and_holds_no_phi(tmp_path: Path) -> None:
    path = configure_logging(tmp_path / "logs")
    assert path is not None
    log = logging.getLogger("agent_desktop.test")
    for line in SENSITIVE.values():
        log.warning(line)
    log.info("lookup for %s with dob %s", "+16175550142", "03/04/1961")
    try:
        raise ValueError("no patient with ssn 123-45-6789 and phone 617-555-0142")
    except ValueError:
        log.exception("lookup failed for MBR-4839201")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for value in SENSITIVE:
        assert value not in text, value
    assert "617-555-0142" not in text
    assert "ValueError" in text and "[ssn]" in text  # the traceback is kept, redacted
    configure_logging(None)


def test_crash_output_is_redacted(tmp_path: Path) -> None:
    code = (
        "from pathlib import Path; from agent_desktop.logs import configure_logging;"
        f"configure_logging(Path({str(tmp_path)!r}));"
        "raise RuntimeError('caller 617-555-0142 dob 03/04/1961')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "RuntimeError" in proc.stderr
    log_text = (tmp_path / "agent-desktop.log").read_text()
    for out in (proc.stderr, log_text):
        assert "617-555-0142" not in out and "03/04/1961" not in out
