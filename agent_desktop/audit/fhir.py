"""Audit events as FHIR R4 AuditEvent resources (IHE BALP ``PatientRead`` for PHI access).

``phi.view`` and ``phi.reveal`` become BALP PatientRead events (RESTful ``read`` of the
patient's record, action ``R``, the patient as an entity with role 1 "Patient"); other
actions become plain AuditEvents typed by our action code. The chain position (seq,
prev_hash, hash) travels in extensions, so an export can still be verified.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

PATIENT_READ_ACTIONS = ("phi.view", "phi.reveal")
BALP_PATIENT_READ = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead"
ACTION_SYSTEM = "urn:agent-desktop:audit-action"
EXT_BASE = "urn:agent-desktop:audit:"
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")

_EVENT_TYPE_REST = {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest",
                    "display": "Restful Operation"}
_SUBTYPE_READ = {"system": "http://hl7.org/fhir/restful-interaction", "code": "read", "display": "read"}
_USER_TYPE = {"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP",
              "display": "information recipient"}
_SOURCE_TYPE = {"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "1",
                "display": "User Device"}
_ENTITY_PERSON = {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1",
                  "display": "Person"}
_ROLE_PATIENT = {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1",
                 "display": "Patient"}
_OUTCOMES = {"success": "0", "failure": "4", "denied": "8"}
_ACTION_CODE = {"phi.view": "R", "phi.reveal": "R", "vault.wipe": "D"}


def _patient_reference(patient: str) -> dict[str, Any]:
    if _FHIR_ID.match(patient):
        return {"reference": f"Patient/{patient}"}
    return {"identifier": {"system": "urn:agent-desktop:patient", "value": patient},
            "type": "Patient"}


def to_fhir_audit_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """One audit event (the shared model's dict) as a FHIR R4 AuditEvent."""
    action = str(event["action"])
    patient_read = action in PATIENT_READ_ACTIONS
    resource: dict[str, Any] = {"resourceType": "AuditEvent", "id": event["id"]}
    if patient_read:
        resource["meta"] = {"profile": [BALP_PATIENT_READ]}
        resource["type"] = dict(_EVENT_TYPE_REST)
        resource["subtype"] = [dict(_SUBTYPE_READ),
                               {"system": ACTION_SYSTEM, "code": action}]
    else:
        resource["type"] = {"system": ACTION_SYSTEM, "code": action}
    resource["action"] = _ACTION_CODE.get(action, "E")
    resource["recorded"] = event["ts"]
    resource["outcome"] = _OUTCOMES.get(str(event["outcome"]), "4")
    if event["outcome"] != "success":
        resource["outcomeDesc"] = str(event["outcome"])
    actor = event["actor"]
    resource["agent"] = [{
        "type": {"coding": [dict(_USER_TYPE)]},
        "role": [{"text": actor["role"]}],
        "who": {"identifier": {"system": "urn:agent-desktop:agent", "value": actor["user"]}},
        "requestor": True,
    }]
    resource["source"] = {
        "site": "agent-desktop",
        "observer": {"identifier": {"system": "urn:agent-desktop:device", "value": event["device_id"]}},
        "type": [dict(_SOURCE_TYPE)],
    }
    entities: list[dict[str, Any]] = []
    if event.get("patient"):
        entities.append({"what": _patient_reference(str(event["patient"])), "type": dict(_ENTITY_PERSON),
                         "role": dict(_ROLE_PATIENT)})
    if event.get("call_id"):
        entities.append({"what": {"identifier": {"system": "urn:agent-desktop:call",
                                                 "value": event["call_id"]}},
                         "description": "call"})
    detail = event.get("detail") or {}
    if detail:
        entities.append({"what": {"identifier": {"system": "urn:agent-desktop:event", "value": event["id"]}},
                         "detail": [{"type": str(k), "valueString": _detail_text(v)}
                                    for k, v in sorted(detail.items())]})
    if entities:
        resource["entity"] = entities
    resource["extension"] = [
        {"url": EXT_BASE + "seq", "valueInteger": int(event["seq"])},
        {"url": EXT_BASE + "prev-hash", "valueString": event["prev_hash"]},
        {"url": EXT_BASE + "hash", "valueString": event["hash"]},
    ]
    return resource


def _detail_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def to_bundle(events: Iterable[Mapping[str, Any]], bundle_type: str = "collection") -> dict[str, Any]:
    """A FHIR R4 Bundle of AuditEvents (``searchset`` for a search answer)."""
    entries = [{"fullUrl": f"urn:uuid:{e['id']}", "resource": to_fhir_audit_event(e)} for e in events]
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": bundle_type, "entry": entries}
    if bundle_type == "searchset":
        bundle["total"] = len(entries)
    return bundle
