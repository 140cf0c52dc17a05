"""The FHIR client against the reference server's directory endpoints, over HTTPS."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import requests

from agent_desktop.demo.certs import TestPKI
from agent_desktop.directory.client import DirectoryError, DirectoryUnavailable, FhirClient
from agent_desktop.directory.fhir import consent_resource, record_from_fhir, related_person_resource
from agent_desktop.verify.engine import Status, Verification
from agent_desktop.verify.matchers import fold
from agent_desktop.verify.script import load_configured_script
from tests.support.audit_server import start_audit_server
from tests.support.directory_env import TODAY, DirectoryServer


def shared_phone(ds: DirectoryServer) -> tuple[str, list[str]]:
    patients = ds.data()["Patient"]
    counts = Counter(p["telecom"][0]["value"] for p in patients)
    phone = next(n for n, c in counts.items() if c > 1)
    return phone, sorted(p["id"] for p in patients if p["telecom"][0]["value"] == phone)


def test_phone_search_returns_every_patient_on_a_shared_number(directory_server: DirectoryServer) -> None:
    phone, ids = shared_phone(directory_server)
    client = directory_server.client()
    found = client.patients_by_phone(phone)
    assert sorted(p["id"] for p in found) == ids and len(ids) >= 2


@pytest.mark.parametrize("style", ["digits", "dashes", "parens"])
def test_phone_search_ignores_how_the_number_is_formatted(directory_server: DirectoryServer, style: str) -> None:
    patient = directory_server.data()["Patient"][0]
    digits = re.sub(r"\D", "", patient["telecom"][0]["value"])[1:]  # drop the +1
    typed = {"digits": digits, "dashes": f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
             "parens": f"+1 ({digits[:3]}) {digits[3:6]} {digits[6:]}"}[style]
    assert patient["id"] in [p["id"] for p in directory_server.client().patients_by_phone(typed)]


def test_unknown_number_finds_nobody(directory_server: DirectoryServer) -> None:
    assert directory_server.client().patients_by_phone("+1 999 555 0000") == []


def test_name_and_birthdate_search_is_accent_and_case_insensitive(directory_server: DirectoryServer) -> None:
    record = directory_server.record(lambda r: any(ord(c) > 127 for c in "".join(r.person.given + r.person.family)))
    assert record.person.birth_date is not None
    plain_family = fold(record.person.family[0]).upper()
    plain_given = fold(record.person.given[0])
    client = directory_server.client()
    found = client.patients_by_name(plain_family, plain_given, record.person.birth_date)
    assert record.id in [p["id"] for p in found]
    other_day = record.person.birth_date.replace(year=record.person.birth_date.year - 1)
    assert record.id not in [p["id"] for p in client.patients_by_name(plain_family, plain_given, other_day)]


def test_a_search_without_criteria_is_refused(directory_server: DirectoryServer) -> None:
    client = directory_server.client()
    with pytest.raises(DirectoryError, match="HTTP 400: search by telecom"):
        client._search("Patient", {})


def test_patient_read_and_representatives_map_into_the_engine_record(directory_server: DirectoryServer) -> None:
    expected = directory_server.record(lambda r: any(rep.authorization.relationship == "guardian"
                                                     for rep in r.representatives))
    client = directory_server.client()
    patient = client.patient(expected.id)
    assert patient is not None
    record = record_from_fhir(patient, client.related_persons(expected.id), client.consents(expected.id))
    assert record == expected
    relationships = {rep.authorization.relationship for rep in record.representatives}
    assert {"parent", "guardian"} <= relationships
    assert client.patient("pat-does-not-exist") is None


def test_expired_consent_from_the_directory_fails_verification(directory_server: DirectoryServer) -> None:
    expected = directory_server.record(lambda r: any(rep.authorization.expires is not None
                                                     and rep.authorization.expires <= TODAY
                                                     for rep in r.representatives))
    client = directory_server.client()
    patient = client.patient(expected.id)
    assert patient is not None
    record = record_from_fhir(patient, client.related_persons(expected.id), client.consents(expected.id))
    rep = next(r for r in record.representatives if r.authorization.expires and r.authorization.expires <= TODAY)
    v = Verification(load_configured_script("default"), "family_with_consent", record, "agent", today=TODAY,
                     representative=rep)
    assert v.status is Status.FAILED and v.reason == "consent_expired"


def test_requests_without_a_device_token_are_refused(directory_server: DirectoryServer) -> None:
    anonymous = FhirClient(directory_server.fhir_base, directory_server.session(token=""))
    with pytest.raises(DirectoryError, match="HTTP 401"):
        anonymous.patients_by_phone("2105550147")
    auditor = FhirClient(directory_server.fhir_base,
                         directory_server.session(directory_server.server.token("auditor")))
    with pytest.raises(DirectoryError, match="HTTP 403"):
        auditor.patients_by_phone("2105550147")


def test_untrusted_certificate_is_unavailable_not_ignored(directory_server: DirectoryServer) -> None:
    s = requests.Session()
    s.trust_env = False
    s.headers["Authorization"] = f"Bearer {directory_server.device_token}"
    directory_server.sessions.append(s)
    with pytest.raises(DirectoryUnavailable, match="not trusted"):
        FhirClient(directory_server.fhir_base, s).patients_by_phone("2105550147")
    s.verify = False
    with pytest.raises(DirectoryError, match="TLS verification is off"):
        FhirClient(directory_server.fhir_base, s)


def test_posted_consent_is_stored_and_survives_a_restart(directory_server: DirectoryServer) -> None:
    record = directory_server.record(lambda r: (r.age_on(TODAY) or 0) >= 18)
    rp = related_person_resource(patient_id=record.id, relationship="spouse", given=["Pedro"],
                                 family=["Ruiz", "Soto"], phone="+1-210-555-0177", rp_id="authorised")
    consent = consent_resource(patient_id=record.id, actor_ref="#authorised", groups=["appointments"],
                               start=TODAY, end=TODAY + dt.timedelta(days=180), contained=[rp])
    stored = directory_server.client().post_consent(consent)
    assert stored["id"].startswith("consent-")
    directory_server.server.restart()
    client = directory_server.client()
    related = client.related_persons(record.id)
    new = next(r for r in related if r["name"][0]["given"] == ["Pedro"])
    fresh = record_from_fhir(client.patient(record.id) or {}, related, client.consents(record.id))
    rep = fresh.representative(new["id"])
    assert rep is not None and rep.authorization.scope == {"appointments"}
    assert rep.authorization.relationship == "spouse" and rep.authorization.valid_on(TODAY)


def test_malformed_consent_is_refused_and_nothing_is_written(directory_server: DirectoryServer) -> None:
    before = directory_server.data_file.read_bytes()
    bad = {"resourceType": "Consent", "status": "active", "patient": {"reference": "Patient/pat-070001"},
           "provision": {"actor": [{"reference": {"reference": "RelatedPerson/nobody"}}],
                         "class": [{"system": "urn:agent-desktop:field-group", "code": "appointments"}]}}
    with pytest.raises(DirectoryError, match="existing or contained RelatedPerson"):
        directory_server.client().post_consent(bad)
    with pytest.raises(DirectoryError, match="expected a Consent"):
        directory_server.client().post_consent({"resourceType": "Patient"})
    assert directory_server.data_file.read_bytes() == before


def test_server_refuses_to_start_on_a_broken_data_file(tmp_path: Path, pki: TestPKI) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"Patient": [{"resourceType": "Patient"}]}))
    with pytest.raises(RuntimeError, match="Patient must be a list of Patient resources with ids"):
        start_audit_server(tmp_path / "srv", pki=pki, extra_args=["--directory-data", str(broken)])


def test_fhir_errors_are_operation_outcomes(directory_server: DirectoryServer) -> None:
    s = directory_server.session()
    base = directory_server.fhir_base
    cases = [
        (s.get(f"{base}/Patient", params={"ssn": "1"}, timeout=10), 400, "unsupported search parameter"),
        (s.get(f"{base}/Patient", params={"family": "Smith"}, timeout=10), 400, "name and birthdate"),
        (s.get(f"{base}/Patient/bad%20id%21", timeout=10), 404, "no such Patient"),
        (s.get(f"{base}/Patient/pat-nobody", timeout=10), 404, "no such Patient"),
        (s.get(f"{base}/RelatedPerson", timeout=10), 400, "patient parameter is required"),
        (s.post(f"{base}/Consent", data=b"{not json", timeout=10), 400, "not JSON"),
    ]
    for response, status, text in cases:
        assert response.status_code == status
        body = response.json()
        assert body["resourceType"] == "OperationOutcome" and text in body["issue"][0]["diagnostics"]
