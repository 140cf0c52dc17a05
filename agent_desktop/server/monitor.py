"""Making monitor grants (server side): the wire format and the client's check live in
:mod:`agent_desktop.monitoring.grant`; only the signing is here."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from agent_desktop.monitoring.grant import MODES, InvalidGrant, b64, grant_payload

__all__ = ["MODES", "InvalidGrant", "make_grant"]


def make_grant(sign: Callable[[bytes], bytes], sup: str, agent: str, mode: str, ttl_s: int,
               now: float | None = None) -> tuple[dict[str, Any], str]:
    """Return the grant fields and its token; ``sign`` returns raw signature bytes."""
    if mode not in MODES:
        raise InvalidGrant(f"mode must be one of {', '.join(MODES)}")
    exp = int((time.time() if now is None else now) + ttl_s)
    nonce = secrets.token_hex(16)
    payload = grant_payload(sup, agent, mode, exp, nonce)
    return json.loads(payload), b64(payload) + "." + b64(sign(payload))
