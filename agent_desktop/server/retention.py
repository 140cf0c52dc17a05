"""Retention: delete events older than the retention period; the purge itself is logged.

A device's chain then starts at its first retained event, whose ``prev_hash`` anchors it;
chain verification reports that first seq.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from agent_desktop.audit.event import utc_timestamp
from agent_desktop.server.db import Database
from agent_desktop.server.tokens import server_log


def purge(db: Database, *, keep_days: int, dry_run: bool = False, actor: str = "cli",
          now: dt.datetime | None = None) -> dict[str, Any]:
    cutoff = utc_timestamp((now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=keep_days))
    with db.transaction():
        row = db.one("SELECT COUNT(*) FROM events WHERE ts < ?", (cutoff,))
        count = int(row[0]) if row else 0
        if not dry_run and count:
            db.execute("DELETE FROM events WHERE ts < ?", (cutoff,))
        if not dry_run:
            server_log(db, actor, "events.purge", {"before": cutoff, "deleted": count,
                                                   "keep_days": keep_days})
    return {"before": cutoff, "deleted": 0 if dry_run else count, "matching": count,
            "dry_run": dry_run}
