"""Auditor queries, reports, the FHIR search and supervision calls on the real server."""

from __future__ import annotations

import csv
import io
from typing import Any

from agent_desktop.audit.event import GENESIS_HASH, build_event, utc_timestamp
from agent_desktop.monitoring.grant import InvalidGrant, verify_grant
from tests.support.audit_server import AuditServer, make_chain


def upload(server: AuditServer, device: dict[str, Any], events: list[dict[str, Any]]) -> None:
    r = server.session(device["device_token"]).post(
        server.url("/v1/audit/batches"), json={"device_id": device["device_id"], "events": events},
        timeout=30)
    assert r.status_code == 200, r.text


def reveal_chain(device_id: str, user: str, reveals: list[tuple[str, str, list[str]]],
                 start_ms: int) -> list[dict[str, Any]]:
    """phi.reveal events: (patient, caller_type, field_groups), one millisecond apart."""
    events, prev = [], GENESIS_HASH
    for i, (patient, caller, groups) in enumerate(reveals, start=1):
        e = build_event(device_id=device_id, seq=i, prev_hash=prev, user=user, role="agent",
                        action="phi.reveal", patient=patient, call_id=f"call-{i}",
                        detail={"caller_type": caller, **({"group": groups[0]} if len(groups) == 1
                                                          else {"field_groups": groups})},
                        ts=utc_timestamp((start_ms + i) / 1000))
        events.append(e)
        prev = e["hash"]
    return events


def test_event_query_filters_and_pages_through_every_match_in_both_orders(audit_server: AuditServer) -> None:
    a = audit_server.enroll("agent-1")
    b = audit_server.enroll("agent-2")
    upload(audit_server, a, make_chain(a["device_id"], 25, user="agent-1", patient="pat-A"))
    upload(audit_server, b, make_chain(b["device_id"], 10, user="agent-2", patient="pat-B",
                                       action="verify.pass"))
    s = audit_server.session(audit_server.token("auditor"))

    def pages(**params: Any) -> list[list[dict[str, Any]]]:
        out, cursor = [], None
        while True:
            query = dict(params, limit=7, **({"cursor": cursor} if cursor else {}))
            body = s.get(audit_server.url("/v1/audit/events"), params=query, timeout=10).json()
            out.append(body["events"])
            cursor = body["next_cursor"]
            if not cursor:
                return out

    newest = pages(patient="pat-A")
    assert [len(p) for p in newest] == [7, 7, 7, 4]
    keys = [(e["ts"], e["id"]) for page in newest for e in page]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == 25
    oldest = [(e["ts"], e["id"]) for page in pages(patient="pat-A", order="oldest") for e in page]
    assert oldest == keys[::-1]
    assert {e["actor"]["user"] for p in pages(action="verify.pass") for e in p} == {"agent-2"}
    assert sum(len(p) for p in pages(actor="agent-2")) == 10
    assert sum(len(p) for p in pages(device_id=a["device_id"], action="verify.pass")) == 0
    everything = [e for p in pages() for e in p]
    assert len(everything) == 35 and len({e["id"] for e in everything}) == 35
    middle = sorted(e["ts"] for e in everything)[10]
    later = [e for p in pages(since=middle) for e in p]
    assert all(e["ts"] >= middle for e in later) and len(later) >= 25
    bad = s.get(audit_server.url("/v1/audit/events"), params={"cursor": "garbage!"}, timeout=10)
    assert bad.status_code == 400
    assert s.get(audit_server.url("/v1/audit/events"), params={"since": "yesterday"},
                 timeout=10).status_code == 400


def test_breach_scope_counts_distinct_patients_and_flags_the_500_threshold(audit_server: AuditServer) -> None:
    device = audit_server.enroll("agent-5")
    reveals = [(f"pat-{i % 503:04d}", "caregiver", ["demographics"]) for i in range(510)]
    upload(audit_server, device, reveal_chain(device["device_id"], "agent-5", reveals, 1_790_000_000_000))
    s = audit_server.session(audit_server.token("auditor"))
    report = s.get(audit_server.url("/v1/reports/breach-scope"), params={"user": "agent-5"}, timeout=30).json()
    assert report["count"] == 503 and report["crosses_threshold"] is True
    assert report["patients"][0]["patient"] == "pat-0000" and report["patients"][0]["events"] == 2
    window = s.get(audit_server.url("/v1/reports/breach-scope"),
                   params={"device_id": device["device_id"],
                           "until": utc_timestamp((1_790_000_000_000 + 101) / 1000)},
                   timeout=30).json()
    assert window["count"] == 100 and window["crosses_threshold"] is False
    as_csv = s.get(audit_server.url("/v1/reports/breach-scope"),
                   params={"user": "agent-5", "format": "csv"}, timeout=30)
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 503 and rows[1] == {"patient": "pat-0001", "first_access": rows[1]["first_access"],
                                            "last_access": rows[1]["last_access"], "events": "2"}
    assert s.get(audit_server.url("/v1/reports/breach-scope"), timeout=10).status_code == 400


def test_accounting_of_disclosures_lists_reveals_to_callers_other_than_the_patient(
        audit_server: AuditServer) -> None:
    device = audit_server.enroll("agent-3")
    reveals = [("pat-X", "patient", ["demographics"]), ("pat-X", "caregiver", ["medications", "labs"]),
               ("pat-Y", "provider", ["labs"]), ("pat-X", "payer", ["coverage"])]
    upload(audit_server, device, reveal_chain(device["device_id"], "agent-3", reveals, 1_790_000_000_000))
    s = audit_server.session(audit_server.token("auditor"))
    report = s.get(audit_server.url("/v1/reports/disclosures"), params={"patient": "pat-X"}, timeout=10).json()
    assert report["count"] == 2
    assert [(d["caller_type"], d["field_groups"], d["user"]) for d in report["disclosures"]] == [
        ("caregiver", ["medications", "labs"], "agent-3"), ("payer", ["coverage"], "agent-3")]
    as_csv = s.get(audit_server.url("/v1/reports/disclosures"),
                   params={"patient": "pat-X", "format": "csv"}, timeout=10).text.splitlines()
    assert as_csv[0] == "ts,user,device_id,caller_type,field_groups,call_id,event_id"
    assert ",caregiver,medications;labs,call-2," in as_csv[1]


def test_fhir_search_returns_balp_patient_read_audit_events_for_the_patient(audit_server: AuditServer) -> None:
    device = audit_server.enroll("agent-1")
    upload(audit_server, device, make_chain(device["device_id"], 3, patient="pat-F"))
    s = audit_server.session(audit_server.token("auditor"))
    r = s.get(audit_server.url("/fhir/AuditEvent"), params={"patient": "pat-F", "_count": 2}, timeout=10)
    assert r.headers["content-type"].startswith("application/fhir+json")
    bundle = r.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    assert len(bundle["entry"]) == 2 and bundle["link"][0]["relation"] == "next"
    resource = bundle["entry"][0]["resource"]
    assert resource["entity"][0]["what"] == {"reference": "Patient/pat-F"}
    assert "IHE.BasicAudit.PatientRead" in resource["meta"]["profile"][0]
    rest = s.get(audit_server.url(bundle["link"][0]["url"]), timeout=10).json()
    assert len(rest["entry"]) == 1


def test_team_lead_sees_own_roster_and_gets_a_signed_single_use_grant_for_own_agents_only(
        audit_server: AuditServer) -> None:
    agent = audit_server.enroll("agent-1", team="blue")
    audit_server.enroll("agent-2", team="red")
    lead = audit_server.token("team_lead", agent="lead-1", team="blue")
    state = audit_server.session(agent["device_token"]).put(
        audit_server.url("/v1/agents/agent-1/state"), json={"state": "on_call"}, timeout=10)
    assert state.status_code == 200
    other = audit_server.session(agent["device_token"]).put(
        audit_server.url("/v1/agents/agent-2/state"), json={"state": "not_ready"}, timeout=10)
    assert other.status_code == 403
    s = audit_server.session(lead)
    roster = s.get(audit_server.url("/v1/teams/blue/agents"), timeout=10).json()
    assert [(a["agent_id"], a["state"]) for a in roster["agents"]] == [("agent-1", "on_call")]
    assert s.get(audit_server.url("/v1/teams/red/agents"), timeout=10).status_code == 403

    r = s.post(audit_server.url("/v1/monitor/tokens"), json={"agent": "agent-1", "mode": "whisper"}, timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    seen: set[str] = set()
    grant = verify_grant(audit_server.public_key_hex, body["token"], agent="agent-1", seen_nonces=seen)
    assert grant["sup"] == "lead-1" and grant["mode"] == "whisper"
    for kwargs in ({"agent": "agent-1", "seen_nonces": seen}, {"agent": "agent-2"},
                   {"agent": "agent-1", "now": grant["exp"] + 1}):
        try:
            verify_grant(audit_server.public_key_hex, body["token"], **kwargs)  # type: ignore[arg-type]
        except InvalidGrant:
            continue
        raise AssertionError(f"grant accepted with {kwargs}")
    for target in ("agent-2", "agent-404"):
        denied = s.post(audit_server.url("/v1/monitor/tokens"), json={"agent": target, "mode": "listen"},
                        timeout=10)
        assert denied.status_code == 403
    agent_try = audit_server.session(agent["device_token"]).post(
        audit_server.url("/v1/monitor/tokens"), json={"agent": "agent-1", "mode": "barge"}, timeout=10)
    assert agent_try.status_code == 403
