"""Monitor grants: a team lead's short-lived, single-use permission to listen to an agent.

Wire format (see docs/server.md): ``token = b64url(payload) + "." + b64url(signature)``
where ``payload`` is the canonical JSON (sorted keys, no spaces, UTF-8) of
``{"sup", "agent", "mode", "exp", "nonce"}`` (``exp`` in Unix seconds) and ``signature``
is the audit server's Ed25519 signature over the payload bytes, made with the receipt key.
The agent's client checks a grant with :func:`verify_grant`; the server
(``agent_desktop.server.monitor``) makes them.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from agent_desktop.errors import AgentDesktopError

MODES = ("listen", "whisper", "barge")
GRANT_FIELDS = ("sup", "agent", "mode", "exp", "nonce")


class InvalidGrant(AgentDesktopError):
    """A monitor grant that is forged, expired, malformed or for someone else."""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def grant_payload(sup: str, agent: str, mode: str, exp: int, nonce: str) -> bytes:
    body = {"sup": sup, "agent": agent, "mode": mode, "exp": exp, "nonce": nonce}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode()


def verify_grant(public_key_hex: str, token: str, *, agent: str, now: float | None = None,
                 seen_nonces: set[str] | None = None) -> dict[str, Any]:
    """Check signature, expiry, target agent and (when given) nonce reuse; return the grant."""
    try:
        payload_b64, sig_b64 = token.split(".")
        payload, signature = unb64(payload_b64), unb64(sig_b64)
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
    except (ValueError, binascii.Error):
        raise InvalidGrant("malformed monitor grant") from None
    try:
        key.verify(signature, payload)
    except InvalidSignature:
        raise InvalidGrant("monitor grant signature is not the audit server's") from None
    grant = json.loads(payload)
    if not isinstance(grant, dict) or sorted(grant) != sorted(GRANT_FIELDS):
        raise InvalidGrant("monitor grant has unexpected fields")
    if grant["agent"] != agent:
        raise InvalidGrant("monitor grant is for another agent")
    if grant["mode"] not in MODES:
        raise InvalidGrant("monitor grant has an unknown mode")
    if not isinstance(grant["exp"], int) or grant["exp"] <= (time.time() if now is None else now):
        raise InvalidGrant("monitor grant has expired")
    if seen_nonces is not None:
        if grant["nonce"] in seen_nonces:
            raise InvalidGrant("monitor grant was already used")
        seen_nonces.add(grant["nonce"])
    return grant
