"""FHIR R4 AuditEvent mapping of the shared audit event (IHE BALP PatientRead for PHI access)."""

from __future__ import annotations

from agent_desktop.audit.event import GENESIS_HASH, build_event
from agent_desktop.audit.fhir import BALP_PATIENT_READ, to_bundle, to_fhir_audit_event


def event(action: str = "phi.view", outcome: str = "success", patient: str | None = "pat-0042",
          **kw: object) -> dict[str, object]:
    return build_event(device_id="dev-1", seq=3, prev_hash=GENESIS_HASH, user="agent-7", role="agent",
                       action=action, outcome=outcome, patient=patient, call_id="call-9", **kw)  # type: ignore[arg-type]


def test_phi_view_becomes_a_balp_patient_read_with_every_required_element() -> None:
    e = event(detail={"caller_type": "caregiver", "field_groups": ["labs", "medications"]})
    r = to_fhir_audit_event(e)
    assert r["resourceType"] == "AuditEvent" and r["id"] == e["id"]
    assert r["meta"]["profile"] == [BALP_PATIENT_READ]
    assert r["type"]["code"] == "rest" and r["type"]["system"].endswith("audit-event-type")
    assert r["subtype"][0] == {"system": "http://hl7.org/fhir/restful-interaction", "code": "read",
                               "display": "read"}
    assert r["action"] == "R" and r["recorded"] == e["ts"] and r["outcome"] == "0"
    (agent,) = r["agent"]
    assert agent["requestor"] is True and agent["who"]["identifier"]["value"] == "agent-7"
    assert r["source"]["observer"]["identifier"]["value"] == "dev-1"
    patient = r["entity"][0]
    assert patient["what"] == {"reference": "Patient/pat-0042"}
    assert patient["role"]["code"] == "1" and patient["type"]["code"] == "1"
    details = {d["type"]: d["valueString"] for d in r["entity"][-1]["detail"]}
    assert details == {"caller_type": "caregiver", "field_groups": "labs,medications"}
    ext = {x["url"].rsplit(":", 1)[-1]: x for x in r["extension"]}
    assert ext["hash"]["valueString"] == e["hash"] and ext["seq"]["valueInteger"] == 3


def test_other_actions_are_plain_audit_events_with_the_outcome_mapped() -> None:
    r = to_fhir_audit_event(event("vault.unlock_failed", outcome="failure", patient=None))
    assert "meta" not in r and r["type"] == {"system": "urn:agent-desktop:audit-action",
                                             "code": "vault.unlock_failed"}
    assert r["outcome"] == "4" and r["action"] == "E"
    assert all(ent.get("role", {}).get("code") != "1" for ent in r.get("entity", []))
    assert to_fhir_audit_event(event(outcome="denied"))["outcome"] == "8"


def test_a_patient_reference_that_is_not_a_fhir_id_travels_as_an_identifier() -> None:
    r = to_fhir_audit_event(event(patient="mrn:H_77"))
    assert r["entity"][0]["what"] == {"identifier": {"system": "urn:agent-desktop:patient",
                                                     "value": "mrn:H_77"}, "type": "Patient"}


def test_bundle_holds_one_entry_per_event_and_a_searchset_has_its_total() -> None:
    events = [event(), event("phi.reveal")]
    bundle = to_bundle(events)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert [x["fullUrl"] for x in bundle["entry"]] == [f"urn:uuid:{e['id']}" for e in events]
    assert "total" not in bundle
    assert to_bundle(events, "searchset")["total"] == 2
