"""The one timestamp format of audit events and locked-state records (RFC 3339, ms, UTC).

Neutral ground: the vault and the audit trail both stamp records, and the vault must not
import the audit package (it is the lower layer).
"""

from __future__ import annotations

import datetime as dt


def utc_timestamp(when: dt.datetime | float | None = None) -> str:
    """RFC 3339 UTC with milliseconds, e.g. ``2026-11-28T03:35:19.123Z``."""
    if when is None:
        moment = dt.datetime.now(dt.UTC)
    elif isinstance(when, int | float):
        moment = dt.datetime.fromtimestamp(when, dt.UTC)
    else:
        moment = when.astimezone(dt.UTC)
    # formatted by hand: strftime is the slowest step of stamping an audit record
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
            f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z")
