"""The batch body on the wire, parsed once with orjson and checked by hand.

``POST /v1/audit/batches`` carries ~250 KB per 500 events. Parsing it with orjson and
checking its two fields directly, instead of the stdlib parser plus a pydantic model that
rebuilt every event dict, is most of what HTTP ingest cost beyond the ingest itself. orjson
also refuses what the canonical form cannot hold: NaN and Infinity, lone surrogates,
nesting deeper than 1024.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from agent_desktop.server.context import MAX_EVENTS_PER_BATCH
from agent_desktop.server.errors import BadRequest

_REF_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}\Z")
BATCH_FIELDS = frozenset(("device_id", "events"))


def parse_batch(raw: bytes) -> tuple[str, list[Any]]:
    """``(device_id, events)`` of a batch body, or :class:`BadRequest` saying what is wrong."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        if "surrogate" in str(err):
            raise BadRequest("body: text is not valid Unicode (a lone surrogate)") from None
        raise BadRequest(f"body: not valid JSON ({str(err)[:120]})") from None
    if type(body) is not dict:
        raise BadRequest('body: expected a JSON object {"device_id": ..., "events": [...]}')
    if body.keys() != BATCH_FIELDS:
        extra = sorted(set(body) - BATCH_FIELDS)
        if extra:
            raise BadRequest(f"body: unknown field(s) {', '.join(extra)[:200]} (extra fields are not permitted)")
        missing = sorted(BATCH_FIELDS - set(body))
        raise BadRequest(f"{', '.join(missing)}: field required")
    device_id, events = body["device_id"], body["events"]
    if type(device_id) is not str or not _REF_RE.match(device_id):
        raise BadRequest("device_id: expected an opaque identifier")
    if type(events) is not list or not 1 <= len(events) <= MAX_EVENTS_PER_BATCH:
        raise BadRequest(f"events: expected a list of 1 to {MAX_EVENTS_PER_BATCH} events")
    return device_id, events


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)
