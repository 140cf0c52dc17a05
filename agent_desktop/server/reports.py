"""Compliance reports: breach scope and an accounting of disclosures, as rows for JSON or CSV.

Breach scope: the distinct patients whose PHI a device or user viewed or revealed in a
window; at 500 or more individuals HIPAA (45 CFR 164.406/408) requires notice to HHS and
the media without the annual-log delay. Disclosures: every ``phi.reveal`` of one patient's
record to a caller who was not the patient (``detail.caller_type``), with the field groups
shown (``detail.group`` or ``detail.field_groups``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from agent_desktop.server.db import Database
from agent_desktop.server.errors import BadRequest
from agent_desktop.server.queries import EventFilter, iter_events

PHI_ACCESS_ACTIONS = ("phi.view", "phi.reveal")
BREACH_THRESHOLD = 500


def breach_scope(db: Database, *, device_id: str | None, user: str | None, since: str | None,
                 until: str | None) -> dict[str, Any]:
    if not device_id and not user:
        raise BadRequest("give device_id or user (whose access is in question)")
    clauses = ["action IN (?, ?)", "patient IS NOT NULL", "outcome = 'success'"]
    params: list[Any] = list(PHI_ACCESS_ACTIONS)
    for column, value in (("device_id", device_id), ("actor_user", user)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if since:
        clauses.append("ts >= ?")
        params.append(since)
    if until:
        clauses.append("ts < ?")
        params.append(until)
    rows = db.query("SELECT patient, MIN(ts), MAX(ts), COUNT(*) FROM events WHERE "
                    + " AND ".join(clauses) + " GROUP BY patient ORDER BY patient", params)
    patients = [{"patient": p, "first_access": first, "last_access": last, "events": int(n)}
                for p, first, last, n in rows]
    return {"scope": {"device_id": device_id, "user": user, "since": since, "until": until},
            "count": len(patients), "threshold": BREACH_THRESHOLD,
            "crosses_threshold": len(patients) >= BREACH_THRESHOLD,
            "patients": patients}


def disclosures(db: Database, *, patient: str, since: str | None, until: str | None) -> dict[str, Any]:
    rows = []
    for event in iter_events(db, EventFilter(patient=patient, action="phi.reveal", since=since,
                                             until=until)):
        detail = event["detail"]
        caller = detail.get("caller_type")
        if caller == "patient" or event["outcome"] != "success":
            continue
        # one reveal may name one group ("group") or several ("field_groups")
        groups = detail.get("field_groups") or ([detail["group"]] if detail.get("group") else [])
        rows.append({"ts": event["ts"], "user": event["actor"]["user"], "device_id": event["device_id"],
                     "caller_type": caller or "unknown",
                     "field_groups": list(groups) if isinstance(groups, list) else [str(groups)],
                     "call_id": event["call_id"], "event_id": event["id"]})
    return {"patient": patient, "since": since, "until": until, "count": len(rows), "disclosures": rows}


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        value = ";".join(map(str, value))
    if value is None:
        return ""
    # a leading = + - @ would run as a formula when the file is opened in a spreadsheet
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])
    return out.getvalue()
