"""Outbox heads that workstations report: an alert when one goes backwards or forks.

With each batch and each idle status check a workstation sends the head of its local chain
(``Audit-Head: <seq>:<hash>``, its last recorded event, sent or not). The server keeps the
last head each device reported. A head below one reported before or below what the server
stores means events were removed from the workstation; a head whose hash differs from the
stored event at that seq (or from the previous report at the same seq) means its history
was rewritten. Either raises a tamper alert for auditors; the request itself is answered as
usual (the workstation detects the same locally and halts).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from agent_desktop.server.errors import BadRequest

HEADER = "Audit-Head"
_HEAD_RE = re.compile(r"(\d{1,19}):([0-9a-f]{64})\Z")
Head = tuple[int, str]
Alert = tuple[str, int, dict[str, Any]]  # kind, seq, detail


def parse(value: str | None) -> Head | None:
    if value is None:
        return None
    match = _HEAD_RE.match(value)
    if match is None:
        raise BadRequest(f"{HEADER}: expected <seq>:<64 lowercase hex digits>")
    return int(match.group(1)), match.group(2)


def judge(head: Head, *, reported: Head | None, stored: Head,
          hash_at: Callable[[int], str | None]) -> list[Alert]:
    """Alerts for ``head`` given the previous report and the stored tip; ``hash_at(seq)`` is
    the stored hash of an earlier event (None when purged)."""
    if head == reported:
        return []  # judged when it was first reported
    seq, digest = head
    alerts: list[Alert] = []
    if reported is not None and seq < reported[0]:
        alerts.append(("outbox_head_backwards", seq, {"message": f"the workstation's chain head went back "
                       f"from seq {reported[0]} to {seq}: events were removed from its outbox"}))
    elif seq < stored[0]:
        alerts.append(("outbox_head_backwards", seq, {"message": f"the workstation reports its chain head "
                       f"at seq {seq}, below the {stored[0]} events the server holds"}))
    if reported is not None and seq == reported[0] and digest != reported[1]:
        alerts.append(("outbox_head_fork", seq, {"message": f"the workstation's event at seq {seq} changed "
                       "since its last report (history rewritten)"}))
    elif 0 < seq <= stored[0]:
        expected = stored[1] if seq == stored[0] else hash_at(seq)
        if expected is not None and expected != digest:
            alerts.append(("outbox_head_fork", seq, {"message": f"the workstation's event at seq {seq} is "
                           "not the one the server stores (history rewritten)"}))
    return alerts
