"""A directory that answers badly: each malformed answer is a clear error, nothing is cached.

The "directory" here is a real HTTP server on loopback that serves canned bad answers (the
client's requests.Session is the real one, nothing is mocked).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from agent_desktop.directory.client import DirectoryError, DirectoryUnavailable, FhirClient
from agent_desktop.directory.fhir import FhirFormatError, record_from_fhir
from agent_desktop.directory.groups import GROUPS_NAMESPACE
from agent_desktop.directory.service import Directory
from agent_desktop.vault.phi_cache import PhiCache
from tests.support.vault_env import PASSWORD, FakeClock, VaultFactory

ANSWERS: dict[str, tuple[int, bytes]] = {
    "/fhir/Patient/_search?case=html": (200, b"<html>proxy login</html>"),
    "/fhir/Patient/_search?case=list": (200, b"[1, 2, 3]"),
    "/fhir/Patient/_search?case=notbundle": (200, json.dumps({"resourceType": "Patient", "id": "x"}).encode()),
    "/fhir/Patient/_search?case=badentry": (200, json.dumps({"resourceType": "Bundle", "entry": [{"search": {}}]}).encode()),
    "/fhir/Patient/_search?case=entries": (200, json.dumps({"resourceType": "Bundle", "entry": "nope"}).encode()),
    "/fhir/Patient/_search?case=busy": (503, b"{}"),
    "/fhir/Patient/_search?case=teapot": (418, json.dumps({"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "processing", "diagnostics": "try later"}]}).encode()),
    "/fhir/Patient/_search?case=warning": (200, json.dumps({"resourceType": "Bundle", "entry": [
        {"resource": {"resourceType": "OperationOutcome", "id": "w"}},
        {"resource": {"resourceType": "Patient", "id": "p1"}}]}).encode()),
    "/fhir/Patient/p1": (200, json.dumps({"resourceType": "Patient", "id": "p2"}).encode()),
    "/fhir/Patient/p3": (200, json.dumps({"resourceType": "Patient", "id": "p3", "birthDate": "someday"}).encode()),
}


def _bundle(*resources: dict[str, object]) -> tuple[int, bytes]:
    return 200, json.dumps({"resourceType": "Bundle", "entry": [{"resource": r} for r in resources]}).encode()


ME = {"reference": "Patient/p1"}
APPT = {"resourceType": "Appointment", "id": "a1", "status": "booked", "start": "2027-01-14T09:30:00-06:00",
        "participant": [{"actor": ME}]}
OBS = {"resourceType": "Observation", "id": "o1", "status": "final", "subject": ME, "code": {"text": "Glucose"},
       "valueQuantity": {"value": 104, "unit": "mg/dL"}}
EOB = {"resourceType": "ExplanationOfBenefit", "id": "e1", "patient": ME, "created": "2026-10-01"}
COVERAGE = {"resourceType": "Coverage", "id": "c1", "beneficiary": ME, "status": "active"}
# (group, case) -> (resource type -> its search's answer), and what the error must say
GROUP_ANSWERS: dict[tuple[str, str], tuple[dict[str, tuple[int, bytes]], str]] = {
    ("appointments", "not-a-bundle"): ({"Appointment": (200, json.dumps({"resourceType": "OperationOutcome"}).encode())},
                                       "without a Bundle"),
    ("appointments", "html"): ({"Appointment": (200, b"<html>login</html>")}, "not JSON"),
    ("appointments", "other-patient"): (
        {"Appointment": _bundle({**APPT, "participant": [{"actor": {"reference": "Patient/p9"}}]})}, "another patient"),
    ("appointments", "no-patient"): ({"Appointment": _bundle({**APPT, "participant": "p1"})}, "another patient"),
    ("appointments", "start-a-number"): ({"Appointment": _bundle({**APPT, "start": 20270114})},
                                         "Appointment/a1: start has the wrong type"),
    ("appointments", "start-not-a-date"): ({"Appointment": _bundle({**APPT, "start": "next Tuesday"})},
                                           "Appointment/a1: start is not a date"),
    ("appointments", "no-status"): ({"Appointment": _bundle({k: v for k, v in APPT.items() if k != "status"})},
                                    "status is missing"),
    ("lab_results", "value-a-string"): (
        {"Observation": _bundle({**OBS, "valueQuantity": {"value": "104", "unit": "mg/dL"}})},
        "Observation/o1: valueQuantity.value has the wrong type"),
    ("lab_results", "no-value"): ({"Observation": _bundle({k: v for k, v in OBS.items() if k != "valueQuantity"})},
                                  re.escape("Observation/o1: value[x] is missing")),
    ("lab_results", "code-a-list-of-strings"): ({"Observation": _bundle({**OBS, "code": ["Glucose"]})},
                                                "Observation/o1: code.text has the wrong structure"),
    ("billing", "total-not-a-list"): ({"Coverage": _bundle(COVERAGE),
                                       "ExplanationOfBenefit": _bundle({**EOB, "total": "lots"})},
                                      "ExplanationOfBenefit/e1: total has the wrong type"),
    ("medications", "no-drug"): ({"MedicationRequest": _bundle({"resourceType": "MedicationRequest", "id": "m1",
                                                                "subject": ME, "status": "active"})},
                                 "medicationCodeableConcept has no text or coding"),
}
ANSWERS.update({f"/fhir/{rtype}/_search?case={case}": answer
                for (_, case), (answers, _) in GROUP_ANSWERS.items() for rtype, answer in answers.items()})


class Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        status, body = ANSWERS.get(self.path, (404, b"{}"))
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def bad_directory() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/fhir"
    finally:
        server.shutdown()
        server.server_close()


def client(base: str, case: str) -> FhirClient:
    s = requests.Session()
    s.trust_env = False
    s.params = {"case": case}
    return FhirClient(base, s, timeout=5)


@pytest.mark.parametrize("case,error,message", [
    ("html", DirectoryError, "not JSON"),
    ("list", DirectoryError, "JSON that is not a resource"),
    ("notbundle", DirectoryError, "without a Bundle"),
    ("badentry", DirectoryError, "entry without a resource"),
    ("entries", DirectoryError, "Bundle.entry is not a list"),
    ("busy", DirectoryUnavailable, "HTTP 503"),
    ("teapot", DirectoryError, "HTTP 418: try later"),
])
def test_malformed_answers_are_clear_errors(bad_directory: str, case: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as raised:
        client(bad_directory, case).patients_by_phone("+1 210 555 0147")
    assert "555" not in str(raised.value)  # the searched number is never echoed
    if error is DirectoryError:
        assert not isinstance(raised.value, DirectoryUnavailable)  # not silently replaced by the cache


def test_warnings_in_a_bundle_are_skipped(bad_directory: str) -> None:
    assert [p["id"] for p in client(bad_directory, "warning").patients_by_phone("2105550147")] == ["p1"]


def test_a_read_answered_with_another_patient_is_refused(bad_directory: str) -> None:
    s = requests.Session()
    s.trust_env = False
    with pytest.raises(DirectoryError, match="another resource"):
        FhirClient(bad_directory, s).patient("p1")
    bad = FhirClient(bad_directory, s).patient("p3")
    assert bad is not None
    with pytest.raises(FhirFormatError, match="Patient/p3: birthDate is not a date"):
        record_from_fhir(bad)
    s.close()


def test_a_dead_directory_is_unavailable(bad_directory: str) -> None:
    s = requests.Session()
    s.trust_env = False
    with pytest.raises(DirectoryUnavailable, match="cannot be reached"):
        FhirClient("http://127.0.0.1:9/fhir", s, timeout=2).patients_by_phone("2105550147")
    s.close()


@pytest.mark.parametrize("group,case", sorted(GROUP_ANSWERS))
def test_malformed_group_data_is_a_clear_directory_error_and_nothing_is_cached(
        bad_directory: str, make_vault: VaultFactory, group: str, case: str) -> None:
    clock = FakeClock()
    vault = make_vault(clock=clock)
    vault.create(PASSWORD)
    cache = PhiCache(vault, make_vault.settings(), clock)
    directory = Directory(client(bad_directory, case), cache, vault, clock=clock)
    with pytest.raises(DirectoryError, match=GROUP_ANSWERS[(group, case)][1]) as raised:
        directory.group_data("p1", group)
    assert type(raised.value) is DirectoryError  # not "unavailable": the cache must not hide it
    assert "Glucose" not in str(raised.value) and "104" not in str(raised.value)  # fields named, never values
    assert cache.get(GROUPS_NAMESPACE, f"p1:{group}").result() is None
