"""What every request handler needs: the database, the receipt key, limits and a clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from agent_desktop.server.db import Database
from agent_desktop.server.keys import ReceiptSigner

DEFAULT_RETENTION_DAYS = 6 * 366  # HIPAA documentation retention: six years
MAX_EVENTS_PER_BATCH = 5000
MAX_BODY_BYTES = 8 * 1024 * 1024
# directory requests per device and minute (bursts up to the same number): an agent's screen
# pops and lookups stay far below it, a device walking the directory does not
DEFAULT_DIRECTORY_RATE = 300.0
# three heartbeats of the client's default presence.heartbeat_seconds (15) before "offline"
DEFAULT_PRESENCE_TIMEOUT_S = 45.0


@dataclass
class ServerContext:
    db: Database
    signer: ReceiptSigner
    max_future_skew_s: float = 300.0  # a device clock may run this far ahead
    grant_ttl_s: int = 60
    retention_days: int = DEFAULT_RETENTION_DAYS
    directory_rate_per_minute: float = DEFAULT_DIRECTORY_RATE
    presence_timeout_s: float = DEFAULT_PRESENCE_TIMEOUT_S  # a silent client shows offline after this
    clock: Callable[[], float] = field(default=time.time)
