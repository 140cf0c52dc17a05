"""Shared helpers for benchmark scripts: percentiles and the JSON line format."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(fn: Callable[[], object], n: int, scale: float = 1000.0) -> list[float]:
    """Run ``fn`` n times; each duration in seconds x ``scale`` (default: milliseconds)."""
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * scale)
    return out


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def emit(name: str, value: float, unit: str, baseline: float | None = None, **extra: Any) -> dict[str, Any]:
    """Print one result line; ``ratio`` is value / baseline when a baseline is given."""
    row: dict[str, Any] = {"name": name, "value": round(value, 4), "unit": unit}
    if baseline is not None:
        row["baseline"] = round(baseline, 4)
        row["ratio"] = round(value / baseline, 3) if baseline else None
    row.update(extra)
    print(json.dumps(row), file=sys.stdout, flush=True)
    return row
