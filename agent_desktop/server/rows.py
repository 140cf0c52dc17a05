"""Events <-> table rows (the detail object is stored as canonical JSON text)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

EVENT_COLUMNS = ("id, device_id, seq, ts, actor_user, actor_role, action, patient, call_id, outcome,"
                 " detail, prev_hash, hash")


def detail_text(detail: Mapping[str, Any]) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def event_row(event: Mapping[str, Any], received_at: str, detail: str | None = None) -> tuple[Any, ...]:
    """The events table row; ``detail`` is detail_text(event["detail"]) when already known."""
    actor = event["actor"]
    if detail is None:
        detail = detail_text(event["detail"])
    return (event["id"], event["device_id"], event["seq"], event["ts"], actor["user"], actor["role"],
            event["action"], event["patient"], event["call_id"], event["outcome"], detail,
            event["prev_hash"], event["hash"], received_at)


def row_event(row: tuple[Any, ...]) -> dict[str, Any]:
    (event_id, device_id, seq, ts, user, role, action, patient, call_id, outcome, detail,
     prev_hash, digest) = row[:13]
    return {"id": event_id, "device_id": device_id, "seq": int(seq), "ts": ts,
            "actor": {"user": user, "role": role}, "action": action, "patient": patient,
            "call_id": call_id, "outcome": outcome, "detail": json.loads(detail),
            "prev_hash": prev_hash, "hash": digest}
