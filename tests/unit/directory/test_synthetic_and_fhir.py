"""The seeded synthetic directory and the FHIR <-> record mapping."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from agent_desktop.directory.fhir import (
    FhirFormatError,
    consent_resource,
    record_from_fhir,
    related_person_resource,
)
from agent_desktop.directory.group_resources import CLINICAL_TYPES
from agent_desktop.directory.synthetic import generate, write_data_file

TODAY = dt.date(2026, 11, 28)


def records(data: dict) -> list:
    out = []
    for p in data["Patient"]:
        related = [r for r in data["RelatedPerson"] if r["patient"]["reference"] == f"Patient/{p['id']}"]
        out.append(record_from_fhir(p, related, data["Consent"]))
    return out


def test_same_seed_same_patients_other_seed_other_patients() -> None:
    assert generate(3, 20, TODAY) == generate(3, 20, TODAY)
    assert generate(3, 20, TODAY) != generate(4, 20, TODAY)


def test_synthetic_data_covers_what_verification_must_handle() -> None:
    recs = records(generate(7, 40, TODAY))
    names = [" ".join(r.person.given + r.person.family) for r in recs]
    assert any(any(ord(c) > 127 for c in n) for n in names), "accents"
    assert any(len(r.person.family) == 2 for r in recs), "two surnames"
    assert any("-" in n for n in names) and any("'" in n for n in names), "hyphens and apostrophes"
    minors = [r for r in recs if (r.age_on(TODAY) or 99) < 18]
    assert minors and all(any(rep.authorization.relationship == "parent" for rep in m.representatives) for m in minors)
    assert any(rep.authorization.relationship == "guardian" for m in minors for rep in m.representatives)
    reps = [rep for r in recs for rep in r.representatives]
    assert any(rep.authorization.expires and rep.authorization.expires <= TODAY for rep in reps), "expired"
    assert any(rep.authorization.status == "inactive" for rep in reps), "revoked"
    assert any(0 < len(rep.authorization.scope) < 3 for rep in reps), "limited scopes"
    assert {r.language for r in recs} == {"en", "es"}, "call languages"
    phones = [r.person.phone for r in recs]
    assert len(set(phones)) < len(phones), "a household sharing a number"


def test_synthetic_numbers_are_never_real() -> None:
    data = generate(7, 40, TODAY)
    for p in data["Patient"]:
        assert "-555-01" in p["telecom"][0]["value"]
        ssn = next(i["value"] for i in p["identifier"] if i["system"].endswith("us-ssn"))
        assert ssn.startswith("9")


def test_data_file_is_written_atomically_and_privately(tmp_path: Path) -> None:
    path = write_data_file(tmp_path / "d" / "directory.json", seed=1, patients=5, today=TODAY)
    assert json.loads(path.read_text("utf-8")).keys() == {"Patient", "RelatedPerson", "Consent", *CLINICAL_TYPES}
    assert [p.name for p in path.parent.iterdir()] == ["directory.json"]  # no temp file left
    assert path.stat().st_mode & 0o077 == 0


def test_two_surnames_come_from_the_fathers_and_mothers_family_extensions() -> None:
    patient = {"resourceType": "Patient", "id": "p1",
               "name": [{"use": "usual", "given": ["Pepe"], "family": "Wrong"},
                        related_person_resource(patient_id="p1", relationship="x", given=["José"],
                                                family=["García", "López"])["name"][0]]}
    record = record_from_fhir(patient)
    assert record.person.family == ("García", "López") and record.person.given == ("José",)


def test_consent_choice_active_wins_and_missing_consent_is_marked() -> None:
    rp = related_person_resource(patient_id="p1", relationship="spouse", given=["A"], family=["B"], rp_id="r1")
    rp2 = related_person_resource(patient_id="p1", relationship="poa", given=["C"], family=["D"], rp_id="r2")
    old = consent_resource(patient_id="p1", actor_ref="RelatedPerson/r1", groups=["billing"], start=TODAY,
                           end=TODAY + dt.timedelta(days=900), status="inactive", consent_id="c-old")
    new = consent_resource(patient_id="p1", actor_ref="RelatedPerson/r1", groups=["appointments"], start=TODAY,
                           end=TODAY + dt.timedelta(days=30), consent_id="c-new")
    record = record_from_fhir({"resourceType": "Patient", "id": "p1"}, [rp, rp2], [old, new])
    r1, r2 = record.representatives
    assert (r1.authorization.consent_id, r1.authorization.scope) == ("c-new", {"appointments"})
    assert r1.authorization.relationship == "spouse" and r2.authorization.relationship == "poa"
    assert r2.authorization.status == "missing"


def test_malformed_resources_are_named_without_values() -> None:
    with pytest.raises(FhirFormatError, match="Patient/p1: birthDate is not a date") as err:
        record_from_fhir({"resourceType": "Patient", "id": "p1", "birthDate": "21 July 1958"})
    assert "1958" not in str(err.value)
    with pytest.raises(FhirFormatError, match="expected a Patient"):
        record_from_fhir({"resourceType": "Observation", "id": "o1"})
    with pytest.raises(FhirFormatError, match="name.given must be a list"):
        record_from_fhir({"resourceType": "Patient", "id": "p1", "name": [{"given": "Rosa"}]})
