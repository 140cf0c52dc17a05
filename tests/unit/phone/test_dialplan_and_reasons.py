"""Pure helpers of the phone engine: dial plan, plain-words reasons, agent availability."""

from __future__ import annotations

import pytest

from agent_desktop.phone.agent_state import AgentAvailability, AgentState
from agent_desktop.phone.calls import CallRecord, crypto_suite_in
from agent_desktop.phone.credentials import SipCredentials
from agent_desktop.phone.dialplan import normalise_target
from agent_desktop.phone.errors import InvalidDialTarget
from agent_desktop.phone.reasons import (
    CERT_EIDENTITY_NOT_MATCH,
    CERT_EUNTRUSTED,
    CERT_EVALIDITY_PERIOD,
    HOSTNAME_MISMATCH,
    UNTRUSTED,
    registration_reason,
    tls_verify_problem,
)

D = "pbx.example.org:5061"


@pytest.mark.parametrize(("typed", "uri"), [
    ("555 0100", "sip:95550100@pbx.example.org:5061;user=phone;transport=tls"),
    ("(555) 010-0199", "sip:95550100199@pbx.example.org:5061;user=phone;transport=tls"),
    ("+1 555 010 0199", "sip:+15550100199@pbx.example.org:5061;user=phone;transport=tls"),
    ("peer2", "sip:peer2@pbx.example.org:5061;transport=tls"),
    ("sip:bob@pbx.example.org", "sip:bob@pbx.example.org;transport=tls"),
    ("sip:bob@pbx.example.org;transport=udp;lr", "sip:bob@pbx.example.org;lr;transport=tls"),
    ("SIPS:bob@pbx.example.org", "sips:bob@pbx.example.org"),
    ("sips:bob@pbx.example.org;transport=tls", "sips:bob@pbx.example.org"),
])
def test_dial_targets_become_sip_uris_over_tls_with_the_prefix_on_national_numbers(typed: str, uri: str) -> None:
    assert normalise_target(typed, D, dial_prefix="9") == uri


@pytest.mark.parametrize("typed", ["", "   ", "555-01OO!", "sip:", "bob@", "mailto:x@y"])
def test_undiallable_input_is_refused_with_a_clear_error(typed: str) -> None:
    with pytest.raises(InvalidDialTarget) as err:
        normalise_target(typed, D)
    assert err.value.hint


def test_a_lab_without_tls_dials_sip_uris() -> None:
    assert normalise_target("sips:bob@lab", "lab", secure=False) == "sip:bob@lab"


def test_tls_verification_bits_map_to_plain_words() -> None:
    assert tls_verify_problem(0) == ""
    assert tls_verify_problem(CERT_EUNTRUSTED) == UNTRUSTED
    assert tls_verify_problem(CERT_EIDENTITY_NOT_MATCH | CERT_EUNTRUSTED) == HOSTNAME_MISMATCH
    assert "expired" in tls_verify_problem(CERT_EVALIDITY_PERIOD)


@pytest.mark.parametrize(("code", "reason", "words"), [
    (200, "OK", "registered"),
    (401, "Unauthorized", "wrong SIP user name or password"),
    (407, "Proxy Authentication Required", "wrong SIP user name or password"),
    (403, "Forbidden", "403"),
    (408, "Request Timeout", "timeout"),
    (503, "Connection refused", "cannot reach"),
    (503, "SSL certificate verification error", "certificate untrusted"),
    (503, "End of file (PJ_EEOF)", "client certificate"),
])
def test_registration_outcomes_are_reported_in_plain_words(code: int, reason: str, words: str) -> None:
    assert words in registration_reason(code, reason)


def test_a_tls_problem_seen_on_the_transport_wins_over_the_sip_code() -> None:
    assert registration_reason(503, "Service Unavailable", HOSTNAME_MISMATCH) == HOSTNAME_MISMATCH


def test_reasons_never_echo_a_sip_user_part() -> None:
    assert "alice" not in registration_reason(480, "no route to sips:alice@pbx")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_after_call_work_keeps_calls_away_until_its_timer_runs_out() -> None:
    clock = Clock()
    agent = AgentAvailability(30, clock)
    assert agent.busy_reason() == ""
    assert agent.call_finished()
    assert agent.state is AgentState.AFTER_CALL_WORK
    assert agent.busy_reason() == "busy_after_call_work"
    clock.now += 29
    assert not agent.tick() and agent.seconds_left() == 1
    clock.now += 1
    assert agent.tick() and agent.state is AgentState.AVAILABLE


def test_not_ready_is_kept_after_a_call_and_carries_its_reason() -> None:
    agent = AgentAvailability(30, Clock())
    agent.set(AgentState.NOT_READY, "training")
    assert not agent.call_finished()
    assert agent.busy_reason() == "busy_not_ready" and agent.reason == "training"


def test_zero_after_call_work_means_straight_back_to_available() -> None:
    agent = AgentAvailability(0, Clock())
    assert not agent.call_finished()
    assert agent.state is AgentState.AVAILABLE


def test_credentials_never_show_in_repr_or_str() -> None:
    creds = SipCredentials("agent7", "s3cret!")
    assert "agent7" not in repr(creds) and "s3cret" not in str(creds)
    assert "s3cret" not in f"{creds!r} {creds}"


def test_the_negotiated_crypto_suite_is_read_from_sdp() -> None:
    sdp = "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:abc\r\n"
    assert crypto_suite_in(sdp) == "AES_256_CM_HMAC_SHA1_80"
    assert crypto_suite_in("m=audio 4000 RTP/AVP 0\r\n") == ""


@pytest.mark.parametrize(("setup", "cause"), [
    ({"srtp_refused": True, "hangup_at": 1.0}, "srtp_refused"),
    ({"watchdog": True}, "watchdog"),
    ({"transferred": True, "hangup_at": 1.0}, "transferred"),
    ({"rejected_why": "busy_not_ready"}, "rejected"),
    ({"hangup_at": 1.0, "answered": True}, "local_hangup"),
    ({"last_code": 486}, "failed"),
    ({"answered": True, "last_code": 200}, "remote_hangup"),
])
def test_end_causes_name_what_happened(setup: dict[str, object], cause: str) -> None:
    rec = CallRecord("c1", "outgoing", "sips:x@y", 0.0)
    for key, value in setup.items():
        setattr(rec, key, value)
    assert rec.end_cause() == cause
