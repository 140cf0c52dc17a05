"""The process's one pjsua2 Endpoint.

pjsua2 allows one Endpoint per process, and constructing a second while another exists
aborts the whole process (its ``pj::Error`` escapes SWIG's constructor as
``std::terminate``). Whoever makes an Endpoint holds ``ENDPOINT_SLOT`` from before the
Endpoint is constructed until after ``libDestroy``; a second one gets
``PhoneAlreadyRunning`` instead of killing the program.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from agent_desktop.phone.errors import PhoneAlreadyRunning

ENDPOINT_SLOT = threading.Lock()


@contextmanager
def endpoint_slot(wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the slot; wait up to ``wait_seconds`` for one shutting down to let go."""
    taken = ENDPOINT_SLOT.acquire(timeout=wait_seconds) if wait_seconds > 0 else ENDPOINT_SLOT.acquire(False)
    if not taken:
        raise PhoneAlreadyRunning()
    try:
        yield
    finally:
        ENDPOINT_SLOT.release()
