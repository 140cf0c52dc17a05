"""The agent's grant check without a network: signature, expiry, nonce, agent, shapes kept
for refusals, and the nonce as audit records carry it."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from agent_desktop.audit.event import detail_problem
from agent_desktop.monitoring.gate import (
    Grant,
    InvalidGrant,
    MonitorGate,
    audit_ref,
    claimed_fields,
    problem_code,
)
from agent_desktop.monitoring.grant import b64
from agent_desktop.phone.monitor_bridge import sip_header
from agent_desktop.server.monitor import make_grant

NOW = 1_800_000_000.0


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def gate_for(key: Ed25519PrivateKey, agent: str = "agent-1") -> MonitorGate:
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    return MonitorGate(public, agent, max_session_minutes=2, clock=lambda: NOW)


def token(key: Ed25519PrivateKey, mode: str = "listen", agent: str = "agent-1", ttl: int = 60) -> str:
    return make_grant(key.sign, "lead-1", agent, mode, ttl, now=NOW)[1]


def test_a_valid_grant_passes_once_and_names_its_ceiling(key: Ed25519PrivateKey) -> None:
    gate = gate_for(key)
    t = token(key, "whisper")
    grant = gate.check(t)
    assert (grant.sup, grant.mode, gate.max_session_seconds) == ("lead-1", "whisper", 120)
    assert grant.allows("listen") and grant.allows("whisper") and not grant.allows("barge")
    with pytest.raises(InvalidGrant) as replay:
        gate.check(t)
    assert problem_code(replay.value) == "replayed"


@pytest.mark.parametrize(("make", "code"), [
    (lambda k: token(Ed25519PrivateKey.generate()), "forged"),
    (lambda k: token(k, ttl=-1), "expired"),
    (lambda k: token(k, agent="agent-2"), "other_agent"),
    (lambda k: "no.grant", "malformed"),
    (lambda k: "", "malformed"),
])
def test_bad_grants_are_refused_with_a_word_for_the_record(key: Ed25519PrivateKey, make: object,
                                                           code: str) -> None:
    with pytest.raises(InvalidGrant) as err:
        gate_for(key).check(make(key))  # type: ignore[operator]
    assert problem_code(err.value) == code


def test_what_a_refused_grant_claims_is_kept_only_in_shapes_a_record_accepts() -> None:
    def claim(body: dict[str, object]) -> dict[str, str]:
        return claimed_fields(b64(json.dumps(body).encode()) + ".sig")

    assert claim({"sup": "lead-1", "nonce": "ab" * 16, "mode": "barge"}) == \
        {"sup": "lead-1", "nonce": "ab" * 16, "mode": "barge"}
    assert claim({"sup": "555 0100 2000", "nonce": "Robert Smith", "mode": 3}) == \
        {"sup": "unreadable", "nonce": "unreadable"}
    assert claimed_fields("%%%") == {}


def test_the_recorded_nonce_never_reads_as_a_number() -> None:
    nonce = "0123456789" * 3 + "ab"
    ref = audit_ref(nonce)
    assert ref.isalpha() and len(ref) == len(nonce) and len(set(ref)) == 12
    assert detail_problem({"nonce": ref}) is None
    assert detail_problem({"nonce": nonce}) is not None  # why it is rewritten


def test_headers_are_read_case_insensitively_from_the_head_only() -> None:
    msg = "INVITE sips:a@b SIP/2.0\r\nx-monitor-grant:  tok.en \r\nCall-ID: 1\r\n\r\nX-Monitor-Grant: body"
    assert sip_header(msg, "X-Monitor-Grant") == "tok.en"
    assert sip_header("INVITE x SIP/2.0\r\n\r\n", "X-Monitor-Grant") == ""
    assert Grant("s", "a", "listen", 0, "n").allows("listen")
