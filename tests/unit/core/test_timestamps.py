"""The audit timestamp, formatted by hand, is exactly what strftime gave."""

from __future__ import annotations

import datetime as dt
import random

from agent_desktop.timestamps import utc_timestamp


def _strftime(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def test_the_hand_formatted_timestamp_equals_strftime_for_seconds_and_datetimes() -> None:
    rng = random.Random(20261201)
    for _ in range(20_000):
        when = rng.uniform(0, 4_102_444_800)  # 1970 to 2100
        assert utc_timestamp(when) == _strftime(dt.datetime.fromtimestamp(when, dt.UTC))
    local = dt.datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert utc_timestamp(local) == "2026-03-28T23:59:59.999Z"
    assert utc_timestamp(0) == "1970-01-01T00:00:00.000Z"
