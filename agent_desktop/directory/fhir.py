"""FHIR R4 <-> the engine's record type: Patient, RelatedPerson and Consent.

Conventions (documented in docs/verification.md) for values FHIR has no core element for:
the member ID is an ``identifier`` with type ``MB``; the SSN an identifier with the US SSN
system (only its last four digits are kept); the verbal passcode an extension; the two
surnames of a Hispanic name the ``humanname-fathers-family``/``mothers-family`` extensions
on ``family``; the field groups a consent permits are ``provision.class`` codings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from agent_desktop.errors import AgentDesktopError
from agent_desktop.verify.record import Authorization, PatientRecord, Person, Representative
from agent_desktop.verify.script import FIELD_GROUPS

MEMBER_ID_SYSTEM = "urn:agent-desktop:member-id"
SSN_SYSTEM = "http://hl7.org/fhir/sid/us-ssn"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
PASSCODE_URL = "urn:agent-desktop:fhir:StructureDefinition/verbal-passcode"
FATHERS_FAMILY = "http://hl7.org/fhir/StructureDefinition/humanname-fathers-family"
MOTHERS_FAMILY = "http://hl7.org/fhir/StructureDefinition/humanname-mothers-family"
FIELD_GROUP_SYSTEM = "urn:agent-desktop:field-group"
ROLE_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
RELATIONSHIP_SYSTEM = "urn:agent-desktop:relationship"

# v3 RoleCode -> the script's relationship codes
ROLE_CODES: dict[str, str] = {
    "MTH": "parent", "FTH": "parent", "PRN": "parent", "STPPRN": "parent",
    "GUARD": "guardian",
    "POWATT": "poa", "HPOWATT": "poa",
    "SPS": "spouse", "HUSB": "spouse", "WIFE": "spouse", "DOMPART": "spouse",
    "CHILD": "child", "SON": "child", "DAU": "child",
    "SIB": "sibling", "BRO": "sibling", "SIS": "sibling",
    "FAMMEMB": "family", "GRPRN": "family", "GRNDCHILD": "family", "AUNT": "family", "UNCLE": "family",
}
RELATIONSHIP_TO_ROLE = {"parent": "PRN", "guardian": "GUARD", "poa": "POWATT", "spouse": "SPS",
                        "child": "CHILD", "sibling": "SIB", "family": "FAMMEMB"}


class FhirFormatError(AgentDesktopError):
    """A FHIR resource the directory cannot use; names the resource and field, never values."""


def _where(resource: Mapping[str, Any]) -> str:
    return f"{resource.get('resourceType', 'resource')}/{resource.get('id', '?')}"


def reference_id(ref: Any, resource_type: str) -> str | None:
    """``{"reference": "Patient/abc"}`` -> ``abc`` (None when it is another type)."""
    if not isinstance(ref, Mapping):
        return None
    value = ref.get("reference")
    if not isinstance(value, str):
        return None
    parts = value.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == resource_type:
        return parts[-1]
    return None


def _name(resource: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    names = resource.get("name") or []
    if not isinstance(names, list):
        raise FhirFormatError(f"{_where(resource)}: name must be a list")
    chosen = next((n for n in names if isinstance(n, Mapping) and n.get("use") == "official"), None)
    chosen = chosen or next((n for n in names if isinstance(n, Mapping)), None)
    if chosen is None:
        return (), ()
    given = chosen.get("given") or []
    if not isinstance(given, list) or not all(isinstance(g, str) for g in given):
        raise FhirFormatError(f"{_where(resource)}: name.given must be a list of strings")
    family_raw = chosen.get("family")
    if family_raw is not None and not isinstance(family_raw, str):
        raise FhirFormatError(f"{_where(resource)}: name.family must be a string")
    parts: list[str] = []
    ext = (chosen.get("_family") or {}).get("extension") or []
    for url in (FATHERS_FAMILY, MOTHERS_FAMILY):
        for e in ext:
            if isinstance(e, Mapping) and e.get("url") == url and isinstance(e.get("valueString"), str):
                parts.append(e["valueString"])
    family = tuple(parts) if parts else ((family_raw,) if family_raw else ())
    return tuple(given), family


def _date(resource: Mapping[str, Any], key: str) -> dt.date | None:
    value = resource.get(key)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise FhirFormatError(f"{_where(resource)}: {key} is not a date") from None


def _telecom_phone(resource: Mapping[str, Any]) -> str | None:
    for t in resource.get("telecom") or []:
        if isinstance(t, Mapping) and t.get("system") == "phone" and isinstance(t.get("value"), str):
            return str(t["value"])
    return None


def _zip(resource: Mapping[str, Any]) -> str | None:
    for a in resource.get("address") or []:
        if isinstance(a, Mapping) and isinstance(a.get("postalCode"), str):
            return str(a["postalCode"])
    return None


def _passcode(resource: Mapping[str, Any]) -> str | None:
    for e in resource.get("extension") or []:
        if isinstance(e, Mapping) and e.get("url") == PASSCODE_URL and isinstance(e.get("valueString"), str):
            return str(e["valueString"])
    return None


def _identifiers(resource: Mapping[str, Any]) -> tuple[str | None, str | None]:
    member = ssn4 = None
    for ident in resource.get("identifier") or []:
        if not isinstance(ident, Mapping) or not isinstance(ident.get("value"), str):
            continue
        codes = {c.get("code") for c in ((ident.get("type") or {}).get("coding") or []) if isinstance(c, Mapping)}
        if ident.get("system") == SSN_SYSTEM or "SS" in codes:
            digits = re.sub(r"\D", "", ident["value"])
            ssn4 = digits[-4:] if len(digits) >= 4 else None
        elif ident.get("system") == MEMBER_ID_SYSTEM or "MB" in codes:
            member = ident["value"]
    return member, ssn4


def person_from_fhir(resource: Mapping[str, Any]) -> Person:
    given, family = _name(resource)
    member, ssn4 = _identifiers(resource)
    return Person(given=given, family=family, birth_date=_date(resource, "birthDate"), zip=_zip(resource),
                  member_id=member, ssn_last4=ssn4, passcode=_passcode(resource),
                  phone=_telecom_phone(resource))


def relationship_of(related: Mapping[str, Any]) -> str:
    for concept in related.get("relationship") or []:
        for coding in (concept or {}).get("coding") or []:
            if not isinstance(coding, Mapping):
                continue
            if coding.get("system") == RELATIONSHIP_SYSTEM and isinstance(coding.get("code"), str):
                return str(coding["code"])
            if coding.get("code") in ROLE_CODES:
                return ROLE_CODES[str(coding["code"])]
    return "other"


def consent_groups(consent: Mapping[str, Any]) -> frozenset[str]:
    provision = consent.get("provision") or {}
    if provision.get("type", "permit") != "permit":
        return frozenset()
    return frozenset(str(c["code"]) for c in provision.get("class") or []
                     if isinstance(c, Mapping) and c.get("system") == FIELD_GROUP_SYSTEM
                     and c.get("code") in FIELD_GROUPS)


def consent_actor_ids(consent: Mapping[str, Any]) -> set[str]:
    provision = consent.get("provision") or {}
    out = set()
    for actor in provision.get("actor") or []:
        rid = reference_id((actor or {}).get("reference"), "RelatedPerson")
        if rid:
            out.add(rid)
    return out


def consent_end(consent: Mapping[str, Any]) -> dt.date | None:
    period = (consent.get("provision") or {}).get("period") or {}
    end = period.get("end")
    if end is None:
        return None
    try:
        return dt.date.fromisoformat(str(end)[:10])
    except ValueError:
        raise FhirFormatError(f"{_where(consent)}: provision.period.end is not a date") from None


def _authorization(related: Mapping[str, Any], consents: Sequence[Mapping[str, Any]]) -> Authorization:
    relationship = relationship_of(related)
    mine = [c for c in consents if str(related.get("id")) in consent_actor_ids(c)]
    if related.get("active") is False:
        return Authorization(relationship, frozenset(), None, "inactive")
    if not mine:
        return Authorization(relationship, frozenset(), None, "missing")

    def rank(c: Mapping[str, Any]) -> tuple[int, dt.date]:
        # an active consent wins; among equals the one that runs longest
        end = consent_end(c) or dt.date.max
        return ({"active": 2, "proposed": 1}.get(str(c.get("status")), 0), end)

    best = max(mine, key=rank)
    status = {"active": "active", "proposed": "proposed"}.get(str(best.get("status")), "inactive")
    return Authorization(relationship, consent_groups(best), consent_end(best), status,
                         str(best.get("id")) if best.get("id") else None)


def record_from_fhir(patient: Mapping[str, Any], related: Iterable[Mapping[str, Any]] = (),
                     consents: Iterable[Mapping[str, Any]] = ()) -> PatientRecord:
    """Build the engine's record from a Patient, its RelatedPersons and Consents."""
    if patient.get("resourceType") != "Patient" or not isinstance(patient.get("id"), str):
        raise FhirFormatError("expected a Patient resource with an id")
    consent_list = [c for c in consents if isinstance(c, Mapping) and c.get("resourceType") == "Consent"]
    reps = []
    for rp in related:
        if not isinstance(rp, Mapping) or rp.get("resourceType") != "RelatedPerson" or not rp.get("id"):
            raise FhirFormatError("expected RelatedPerson resources with ids")
        if reference_id(rp.get("patient"), "Patient") != patient["id"]:
            continue
        reps.append(Representative(str(rp["id"]), person_from_fhir(rp), _authorization(rp, consent_list)))
    return PatientRecord(id=str(patient["id"]), person=person_from_fhir(patient), representatives=tuple(reps),
                         language=_language(patient))


def _language(patient: Mapping[str, Any]) -> str | None:
    """The preferred language code (``es`` from ``es-MX``), for the prompts read aloud."""
    comms = [c for c in patient.get("communication") or [] if isinstance(c, Mapping)]
    comms.sort(key=lambda c: not c.get("preferred"))
    for comm in comms:
        for coding in (comm.get("language") or {}).get("coding") or []:
            code = coding.get("code") if isinstance(coding, Mapping) else None
            if isinstance(code, str) and code:
                return code.split("-")[0].lower()
    return None


def human_name(given: Sequence[str], family: Sequence[str]) -> dict[str, Any]:
    name: dict[str, Any] = {"use": "official", "given": list(given), "family": " ".join(family)}
    if len(family) == 2:
        name["_family"] = {"extension": [{"url": FATHERS_FAMILY, "valueString": family[0]},
                                         {"url": MOTHERS_FAMILY, "valueString": family[1]}]}
    return name


def consent_resource(*, patient_id: str, actor_ref: str, groups: Iterable[str], start: dt.date,
                     end: dt.date | None, status: str = "active", consent_id: str | None = None,
                     contained: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    period: dict[str, str] = {"start": start.isoformat()}
    if end is not None:
        period["end"] = end.isoformat()
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "status": status,
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient_id}"},
        "dateTime": start.isoformat(),
        "provision": {
            "type": "permit",
            "period": period,
            "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                            "code": "IRCP"}]},
                       "reference": {"reference": actor_ref}}],
            "class": [{"system": FIELD_GROUP_SYSTEM, "code": g} for g in sorted(groups)],
        },
    }
    if consent_id:
        resource["id"] = consent_id
    if contained:
        resource["contained"] = [dict(c) for c in contained]
    return resource


def related_person_resource(*, patient_id: str, relationship: str, given: Sequence[str],
                            family: Sequence[str], phone: str | None = None, rp_id: str | None = None,
                            birth_date: dt.date | None = None, zip_code: str | None = None,
                            passcode: str | None = None) -> dict[str, Any]:
    role = RELATIONSHIP_TO_ROLE.get(relationship)
    coding = ({"system": ROLE_CODE_SYSTEM, "code": role} if role
              else {"system": RELATIONSHIP_SYSTEM, "code": relationship})
    resource: dict[str, Any] = {
        "resourceType": "RelatedPerson",
        "active": True,
        "patient": {"reference": f"Patient/{patient_id}"},
        "relationship": [{"coding": [coding]}],
        "name": [human_name(given, family)],
    }
    if rp_id:
        resource["id"] = rp_id
    if phone:
        resource["telecom"] = [{"system": "phone", "value": phone}]
    if birth_date:
        resource["birthDate"] = birth_date.isoformat()
    if zip_code:
        resource["address"] = [{"postalCode": zip_code}]
    if passcode:
        resource["extension"] = [{"url": PASSCODE_URL, "valueString": passcode}]
    return resource
