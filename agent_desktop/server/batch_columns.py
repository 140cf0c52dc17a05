"""The common batch, checked a column at a time.

A workstation's batch is hundreds of events that share their device, actor and most actions
and days; every other field has one of a few fixed ASCII shapes. Checking each field of each
event in Python (``check_batch``) cost about 10 us an event, more than half the database's own
insert. Here each field is checked across the whole batch by a few C-level operations (one
regular expression over the joined column, a count, the set of its types) and only what
differs per event, the detail and the hash, is handled event by event.

:func:`batch_rows` accepts only batches the exact path accepts, and returns the same rows; any
other batch gets None and goes through ``check_batch``, which names the first problem. So every
check of the exact path holds here too (tests/unit/server/test_batch_columns.py proves the two
agree on generated and mutated batches).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from itertools import chain
from operator import itemgetter
from typing import Any

import orjson

from agent_desktop.audit.event import (
    _ACTION_RE,
    _FIELD_SET,
    _REF_RE,
    _TS_FAST_RE,
    _UUID7_RE,
    OUTCOMES,
    ROLES,
    _valid_day,
    clean_detail_text,
    patient_ref_problem,
)
from agent_desktop.server.context import MAX_EVENTS_PER_BATCH

Row = tuple[Any, ...]
MAX_SEQ = 2**62  # fits BIGINT and SQLite INTEGER with room to spare

_columns = itemgetter("id", "device_id", "seq", "ts", "actor", "action", "patient", "call_id",
                      "outcome", "detail", "prev_hash", "hash")


def _lines(pattern: str) -> re.Pattern[str]:
    """Values of one shape joined by newlines (none of the shapes holds a newline)."""
    return re.compile(f"(?:{pattern})(?:\n(?:{pattern}))*", re.ASCII)


_IDS = _lines(_UUID7_RE.pattern)
_TSS = _lines(_TS_FAST_RE.pattern)
_REFS = _lines("[A-Za-z0-9][A-Za-z0-9_.:\\-]{0,127}")
_DIGIT_FIRST = re.compile("(?:^|\n)[0-9]")
_OUTCOMES = frozenset(OUTCOMES)
_FIELD_COUNT = {len(_FIELD_SET)}
# Canonical detail texts that passed the size limit and the PHI guard, by the detail's orjson
# encoding. Only for bodies parsed by orjson: their values are JSON types only, for which that
# encoding is one-to-one (1 and 1.0 and true differ, NaN cannot occur), so an equal key means
# an identical detail, hence the identical canonical text and verdict.
_WIRE_DETAILS: dict[bytes, str] = {}
_WIRE_DETAILS_MAX = 8192
_STR, _STR_OR_NONE, _INT, _DICT = {str}, {str, type(None)}, {int}, {dict}


def _joined(pattern: re.Pattern[str], values: Sequence[str]) -> str | None:
    """The values joined by newlines when every one has the pattern's shape, else None.

    The count of newlines is the number of separators exactly when no value holds one, so
    the full match then splits at the separators and proves each value on its own.
    """
    joined = "\n".join(values)
    if joined.count("\n") != len(values) - 1 or pattern.fullmatch(joined) is None:
        return None
    return joined


def _hex64(values: Sequence[str]) -> bool:
    """Every value 64 lowercase hex digits: hex that reads back as itself has no uppercase
    letter, no whitespace and nothing but pairs of digits."""
    if set(map(len, values)) != {64}:
        return False
    joined = "".join(values)
    try:
        return bytes.fromhex(joined).hex() == joined
    except ValueError:
        return False


def batch_rows(events: Sequence[Any], device_id: str, actor: tuple[str, str], *,
               not_after: str, not_before: str, received_at: str, from_wire: bool = False) -> list[Row] | None:
    """The events table rows of a batch, or None when the exact path must decide.

    A batch is taken here only whole: every event well formed and within ``not_before`` ..
    ``not_after`` (timestamps), from ``device_id`` and the token's ``actor``, unique ids,
    consecutive seqs, each event's hash its recomputed hash. How the events link to each
    other and to the stored chain is checked with the database, as for any batch. ``events``
    are parsed JSON (string keys only); ``from_wire``: parsed by orjson (``wire.parse_batch``).
    """
    columns = check_columns(events, device_id, actor, not_after=not_after, not_before=not_before,
                            received_at=received_at, from_wire=from_wire)
    return None if columns is None else columns.rows(0, len(events))


class Columns:
    """A batch whose columns passed :func:`check_columns`. What is left is per event (the
    detail's canonical text and PHI guard, the hash), made on demand a slice at a time so a
    caller can store one slice while it checks the next."""

    def __init__(self, columns: tuple[tuple[Any, ...], ...], device_id: str, actor: tuple[str, str],
                 received_at: str, from_wire: bool) -> None:
        (self.ids, _, self.seqs, self.tss, _, self.actions, self.patients, self.call_ids,
         self.outcomes, self.details, self.prevs, self.digests) = columns
        self.device_id, (self.user, self.role), self.received_at = device_id, actor, received_at
        self.from_wire = from_wire

    def _texts(self, start: int, stop: int) -> list[str | None]:
        details = self.details[start:stop]
        if not self.from_wire:
            return list(map(clean_detail_text, details))
        try:
            keys = list(map(orjson.dumps, details))
        except orjson.JSONEncodeError:  # nested deeper than orjson writes (it reads deeper)
            return list(map(clean_detail_text, details))
        texts: list[str | None] = list(map(_WIRE_DETAILS.get, keys))
        if None in texts:
            for i, text in enumerate(texts):
                if text is None:
                    texts[i] = text = clean_detail_text(details[i])
                    if text is not None and len(_WIRE_DETAILS) < _WIRE_DETAILS_MAX:
                        _WIRE_DETAILS[keys[i]] = text
        return texts

    def rows(self, start: int, stop: int) -> list[Row] | None:
        """The rows of events ``start`` to ``stop``, or None if a detail is refused or a hash
        is not the event's recomputed hash (the exact path then says which)."""
        texts = self._texts(start, stop)
        if None in texts:
            return None
        device_id, user, role, received_at = self.device_id, self.user, self.role, self.received_at
        # canonical JSON assembled from the checked values: none of their shapes needs escaping
        actor_text = f'","actor":{{"role":"{role}","user":"{user}"}},"call_id":'
        device_text = f',"device_id":"{device_id}","id":"'
        sha256, fromhex = hashlib.sha256, bytes.fromhex
        rows: list[Row] = []
        append = rows.append
        for event_id, seq, ts, action, patient, call_id, outcome, text, prev, digest in zip(
                self.ids[start:stop], self.seqs[start:stop], self.tss[start:stop],
                self.actions[start:stop], self.patients[start:stop], self.call_ids[start:stop],
                self.outcomes[start:stop], texts, self.prevs[start:stop], self.digests[start:stop],
                strict=True):
            call_json = "null" if call_id is None else f'"{call_id}"'
            patient_json = "null" if patient is None else f'"{patient}"'
            canonical = (f'{{"action":"{action}{actor_text}{call_json},"detail":{text}{device_text}'
                         f'{event_id}","outcome":"{outcome}","patient":{patient_json},'
                         f'"prev_hash":"{prev}","seq":{seq},"ts":"{ts}"}}')
            if sha256(fromhex(prev) + canonical.encode()).hexdigest() != digest:
                return None
            append((event_id, device_id, seq, ts, user, role, action, patient, call_id, outcome,
                    text, prev, digest, received_at))
        return rows


def check_columns(events: Sequence[Any], device_id: str, actor: tuple[str, str], *,
                  not_after: str, not_before: str, received_at: str,
                  from_wire: bool = False) -> Columns | None:
    """Everything :func:`batch_rows` checks but the details and hashes, a column at a time;
    None when the exact path must decide."""
    count = len(events)
    user, role = actor
    if (not 1 <= count <= MAX_EVENTS_PER_BATCH or set(map(type, events)) != _DICT
            or set(map(len, events)) != _FIELD_COUNT  # with the 12 fields read below: none other
            or type(device_id) is not str or not _REF_RE.match(device_id)
            or type(user) is not str or not _REF_RE.match(user) or role not in ROLES):
        return None
    try:
        columns = tuple(zip(*map(_columns, events), strict=True))
    except KeyError:  # a field is missing
        return None
    (ids, devices, seqs, tss, actors, actions, patients, call_ids, outcomes, details, prevs,
     digests) = columns
    first = seqs[0]
    if (set(map(type, chain(ids, devices, tss, actions, outcomes, prevs, digests))) != _STR
            or set(map(type, chain(patients, call_ids))) - _STR_OR_NONE
            or set(map(type, seqs)) != _INT or set(map(type, actors)) != _DICT
            or set(map(type, details)) != _DICT
            # the batch's device and the token's actor, on every event
            or devices.count(device_id) != count
            or actors.count({"user": user, "role": role}) != count
            # seq from 1, consecutive, within range
            or not 1 <= first <= MAX_SEQ - count + 1 or seqs != tuple(range(first, first + count))
            or not set(outcomes) <= _OUTCOMES
            or len(set(ids)) != count or _joined(_IDS, ids) is None
            or not _hex64(prevs) or not _hex64(digests)
            or _joined(_REFS, list(map(str, call_ids))) is None
            or not all(_ACTION_RE.match(a) and len(a) <= 64 for a in set(actions))
            or _joined(_TSS, tss) is None or max(tss) > not_after or min(tss) < not_before
            or not all(map(_valid_day, {ts[:10] for ts in tss}))):
        return None
    # None is checked as "None", itself a valid reference: both pass, nothing else changes
    joined_patients = _joined(_REFS, list(map(str, patients)))
    if joined_patients is None:
        return None
    if _DIGIT_FIRST.search(joined_patients) and any(
            patient_ref_problem(p) for p in set(patients) if p is not None and p[0].isdigit()):
        return None
    return Columns(columns, device_id, actor, received_at, from_wire)
