"""Who saw this patient: the compliance officer's question, answered from the audit trail.

Every access to one patient's record (``phi.view``, ``phi.reveal``, denied or not) and
the verification that preceded it, oldest first, plus one line per person: who, with
which role, from which device, when first and last, which field groups. Works on event
dicts from the database (``agent-desktop server report who-saw``) or from
``GET /v1/audit/events?patient=`` (the demo banner, an auditor's view over HTTPS).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

ACCESS_ACTIONS = ("phi.view", "phi.reveal")


def _groups(detail: Mapping[str, Any]) -> list[str]:
    groups = detail.get("field_groups") or ([detail["group"]] if detail.get("group") else [])
    return [str(g) for g in groups] if isinstance(groups, list) else [str(groups)]


def relevant(event: Mapping[str, Any]) -> bool:
    action = str(event.get("action", ""))
    return action in ACCESS_ACTIONS or action.startswith("verify.")


def who_saw(patient: str, events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``events``: the patient's events, any order. Returns accesses (oldest first) and people."""
    rows = sorted(
        ({"ts": e["ts"], "user": e["actor"]["user"], "role": e["actor"]["role"],
          "device_id": e["device_id"], "action": e["action"], "outcome": e["outcome"],
          "field_groups": _groups(e.get("detail") or {}), "call_id": e.get("call_id")}
         for e in events if relevant(e)),
        key=lambda r: str(r["ts"]))
    people: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        if row["action"] not in ACCESS_ACTIONS or row["outcome"] != "success":
            continue
        key = (row["user"], row["role"], row["device_id"])
        person = people.setdefault(key, {"user": row["user"], "role": row["role"],
                                         "device_id": row["device_id"], "first": row["ts"],
                                         "last": row["ts"], "accesses": 0, "field_groups": []})
        person["last"] = row["ts"]
        person["accesses"] += 1
        person["field_groups"] = sorted(set(person["field_groups"]) | set(row["field_groups"]))
    return {"patient": patient, "people": list(people.values()), "events": rows}


def as_text(report: Mapping[str, Any]) -> str:
    """The report as a person reads it (CLI, demo banner)."""
    lines = [f"Who saw patient {report['patient']}:"]
    if not report["people"]:
        lines.append("  nobody has seen this patient's data.")
    for p in report["people"]:
        groups = ", ".join(p["field_groups"]) or "-"
        lines.append(f"  {p['user']} ({p['role']}) on device {p['device_id']}: {p['accesses']} access(es) "
                     f"{p['first']} .. {p['last']}; groups: {groups}")
    if report["events"]:
        lines.append("Trail:")
        for e in report["events"]:
            groups = f" [{', '.join(e['field_groups'])}]" if e["field_groups"] else ""
            lines.append(f"  {e['ts']}  {e['user']:<14} {e['action']:<16} {e['outcome']}{groups}")
    return "\n".join(lines)
