"""Monitor grants: the agent's client accepts only a fresh, unused grant for itself from the server."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from agent_desktop.monitoring.grant import InvalidGrant, grant_payload, verify_grant
from agent_desktop.server.keys import ReceiptSigner
from agent_desktop.server.monitor import make_grant

NOW = 1_800_000_000.0


@pytest.fixture
def signer() -> ReceiptSigner:
    return ReceiptSigner(Ed25519PrivateKey.generate())


def test_a_fresh_grant_verifies_and_carries_the_documented_fields(signer: ReceiptSigner) -> None:
    grant, token = make_grant(signer.sign_raw, "lead-1", "agent-1", "barge", 60, now=NOW)
    assert set(grant) == {"sup", "agent", "mode", "exp", "nonce"} and grant["exp"] == int(NOW) + 60
    payload_b64 = token.split(".")[0]
    payload = base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4))
    assert payload == grant_payload("lead-1", "agent-1", "barge", grant["exp"], grant["nonce"])
    assert verify_grant(signer.public_key_hex, token, agent="agent-1", now=NOW + 59) == grant


@pytest.mark.parametrize("case", ["expired", "other agent", "reused", "forged", "other key", "garbage"])
def test_a_grant_is_refused_when(case: str, signer: ReceiptSigner) -> None:
    _, token = make_grant(signer.sign_raw, "lead-1", "agent-1", "listen", 60, now=NOW)
    key, agent, now, seen = signer.public_key_hex, "agent-1", NOW, None
    if case == "expired":
        now = NOW + 61
    elif case == "other agent":
        agent = "agent-2"
    elif case == "reused":
        seen = set()
        verify_grant(key, token, agent=agent, now=now, seen_nonces=seen)
    elif case == "forged":
        body = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        body["mode"] = "barge"
        forged = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
        token = forged + "." + token.split(".")[1]
    elif case == "other key":
        key = ReceiptSigner(Ed25519PrivateKey.generate()).public_key_hex
    else:
        token = "not-a-grant"
    with pytest.raises(InvalidGrant):
        verify_grant(key, token, agent=agent, now=now, seen_nonces=seen)


def test_unknown_modes_are_never_granted(signer: ReceiptSigner) -> None:
    with pytest.raises(InvalidGrant):
        make_grant(signer.sign_raw, "lead-1", "agent-1", "record", 60)


def test_the_client_side_check_imports_neither_the_server_nor_fastapi_nor_qt() -> None:
    code = ("import sys, agent_desktop.monitoring.grant\n"
            "bad = [m for m in sys.modules if m.startswith(('fastapi', 'starlette', 'PySide6', "
            "'agent_desktop.server'))]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
