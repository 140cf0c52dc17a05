"""Which FHIR R4 resources hold each field group, and how each names its patient.

Shared by the client (what to search for a group, and checking the answer is about the
patient asked for), the reference server (what it serves) and the synthetic generator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# group -> the searches that fetch it: (resource type, extra search parameters). The
# demographics group is the Patient resource itself, searched by ``_id``.
GROUP_SEARCHES: dict[str, tuple[tuple[str, dict[str, str]], ...]] = {
    "demographics": (("Patient", {}),),
    "appointments": (("Appointment", {}),),
    "medications": (("MedicationRequest", {}),),
    "lab_results": (("Observation", {"category": "laboratory"}),),
    "care_plan": (("CarePlan", {}), ("Condition", {})),
    "billing": (("Coverage", {}), ("ExplanationOfBenefit", {})),
}

CLINICAL_TYPES = ("Appointment", "MedicationRequest", "Observation", "CarePlan", "Condition", "Coverage",
                  "ExplanationOfBenefit")


def patient_refs(resource: Mapping[str, Any]) -> list[str]:
    """The ``Patient/<id>`` references a resource is about (FHIR's ``patient`` search parameter)."""
    rtype = resource.get("resourceType")
    if rtype == "Patient":
        return [f"Patient/{resource.get('id')}"]
    if rtype == "Appointment":
        participants = resource.get("participant")
        refs = [p["actor"].get("reference") for p in participants if isinstance(p, Mapping)
                and isinstance(p.get("actor"), Mapping)] if isinstance(participants, list) else []
    else:
        key = {"Coverage": "beneficiary", "ExplanationOfBenefit": "patient"}.get(str(rtype), "subject")
        holder = resource.get(key)
        refs = [holder.get("reference")] if isinstance(holder, Mapping) else []
    return [r for r in refs if isinstance(r, str) and r.startswith("Patient/")]
