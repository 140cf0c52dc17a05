"""What a status may carry (shared by client and server) and how answers are parsed."""

from __future__ import annotations

import typing

import pytest

from agent_desktop.presence import rules
from agent_desktop.presence.roster import PresenceError, Roster, parse_escalation, parse_roster
from agent_desktop.presence.states import ESCALATION_KINDS, Presence
from agent_desktop.server.presence_api import EscalationKind, PublishableState


def test_the_server_models_spell_the_shared_vocabulary() -> None:
    assert typing.get_args(PublishableState) == rules.PUBLISHABLE
    assert typing.get_args(EscalationKind) == ESCALATION_KINDS
    assert "offline" not in rules.PUBLISHABLE


@pytest.mark.parametrize("aor", ["sips:agent.17@pbx.example.org", "sip:1001@pbx.example.org:5061",
                                 "sips:jo-ann_2@10.0.0.5", ""])
def test_an_agents_own_address_of_record_is_accepted(aor: str) -> None:
    assert rules.aor_problem(aor) is None


@pytest.mark.parametrize("aor,why", [
    ("sips:+12105550147@pbx.example.org", "telephone number"),
    ("sip:210-555-0147@pbx", "telephone number"),
    ("tel:+12105550147", "address of record"),
    ('"Rosa Diaz" <sips:rosa@pbx>', "address of record"),
    ("sips:agent@pbx;user=phone", "address of record"),
    ("sips:agent@pbx?X-Patient=pat-1", "address of record"),
    ("sips:" + "a" * 300 + "@pbx", "longer"),
])
def test_anything_else_in_the_address_of_record_is_refused_without_repeating_it(aor: str, why: str) -> None:
    problem = rules.aor_problem(aor)
    assert problem is not None and why in problem
    assert aor not in problem and "555" not in problem


@pytest.mark.parametrize("reason,state,ok", [
    ("lunch", "not_ready", True), ("break_2", "not_ready", True), ("", "available", True),
    ("lunch", "available", False),            # only not ready has a reason
    ("Called back 2105550147", "not_ready", False),
    ("pat_20010304", "not_ready", False),     # digits that could be a date or an identifier
    ("rosa diaz", "not_ready", False),
    ("x" * 41, "not_ready", False),
])
def test_a_reason_is_a_short_code_never_text_or_numbers(reason: str, state: str, ok: bool) -> None:
    assert (rules.reason_problem(reason, state) is None) is ok


def test_offline_is_the_servers_word_and_kinds_come_from_the_vocabulary() -> None:
    assert "server" in (rules.state_problem("offline") or "")
    assert rules.state_problem("busy") is not None
    assert rules.escalation_problem("need_help") is None and rules.escalation_problem("patient") is not None
    assert rules.status_problem("not_ready", "lunch", "sips:a@b", "minor_patient") is None


ROW = {"agent_id": "agent-1", "role": "agent", "state": "on_call", "reason": "", "since": 990.0,
       "aor": "sips:agent-1@pbx", "last_seen": 999.0, "updated_at": "x",
       "escalations": [{"id": "e1", "kind": "need_help", "raised_at": 995.0}]}


def test_a_roster_parses_into_typed_rows_and_ticks_on_the_local_monotonic_clock() -> None:
    roster = parse_roster({"team": "blue", "now": 1000.0, "offline_after": 45, "agents": [ROW]}, read_at=50.0)
    row = roster.rows[0]
    assert row.state is Presence.ON_CALL and row.escalations[0].agent_id == "agent-1"
    assert roster.elapsed(row.since, monotonic_now=50.0) == 10.0
    assert roster.elapsed(row.since, monotonic_now=62.5) == 22.5
    assert roster.elapsed(None) is None
    assert isinstance(roster, Roster) and roster.offline_after == 45.0


@pytest.mark.parametrize("change", [
    {"agents": "nope"}, {"now": "soon"}, {"team": None},
    {"agents": [{**ROW, "state": "busy"}]}, {"agents": [{**ROW, "since": True}]},
    {"agents": [{**ROW, "escalations": [{"id": "e", "kind": "gossip", "raised_at": 1}]}]},
    {"agents": [{**ROW, "reason": 5}]}, {"agents": [7]},
])
def test_a_malformed_roster_is_a_clear_error(change: dict[str, object]) -> None:
    raw = {"team": "blue", "now": 1000.0, "offline_after": 45, "agents": [ROW], **change}
    with pytest.raises(PresenceError, match="roster|escalation|server"):
        parse_roster(raw)
    with pytest.raises(PresenceError, match="not a JSON object"):
        parse_escalation(["e1"])
