"""Test helpers for the patient directory: a real reference server with synthetic patients,
a FHIR client with the enrolled device's token, an unlocked real vault with a fake clock."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from agent_desktop.demo.certs import TestPKI
from agent_desktop.directory.client import FhirClient
from agent_desktop.directory.fhir import record_from_fhir
from agent_desktop.directory.group_resources import patient_refs
from agent_desktop.directory.synthetic import write_data_file
from agent_desktop.verify.record import PatientRecord
from tests.support.audit_server import AuditServer, start_audit_server
from tests.support.vault_env import FakeClock, VaultFactory

SEED = 7
TODAY = dt.date(2026, 11, 28)


@dataclass
class DirectoryServer:
    server: AuditServer
    data_file: Path
    device_token: str
    device_id: str
    sessions: list[requests.Session]

    @property
    def fhir_base(self) -> str:
        return self.server.base_url + "/fhir"

    def session(self, token: str | None = None) -> requests.Session:
        s = self.server.session(self.device_token if token is None else token)
        self.sessions.append(s)
        return s

    def client(self, timeout: float = 5.0) -> FhirClient:
        return FhirClient(self.fhir_base, self.session(), timeout=timeout)

    def data(self) -> dict[str, list[dict[str, Any]]]:
        loaded: dict[str, list[dict[str, Any]]] = json.loads(self.data_file.read_text("utf-8"))
        return loaded

    def of_patient(self, rtype: str, pid: str) -> list[dict[str, Any]]:
        """The data file's resources of one type about one patient (``Patient``: the patient)."""
        data = self.data()
        if rtype == "Patient":
            return [p for p in data["Patient"] if p["id"] == pid]
        return [r for r in data[rtype] if f"Patient/{pid}" in patient_refs(r)]

    def record(self, pred: Callable[[PatientRecord], bool]) -> PatientRecord:
        """The first synthetic patient (read from the data file) that satisfies ``pred``."""
        data = self.data()
        for patient in data["Patient"]:
            related = [r for r in data["RelatedPerson"] if r["patient"]["reference"] == f"Patient/{patient['id']}"]
            record = record_from_fhir(patient, related, data["Consent"])
            if pred(record):
                return record
        raise LookupError("no synthetic patient fits")


def expected_group_values(ds: DirectoryServer, group: str, pid: str) -> tuple[str, set[str]]:
    """(a row field, the values the data file holds for it): one field per group, to compare
    what a group shows with the patient's own data."""
    texts = {
        "appointments": ("Reason", {a["description"] for a in ds.of_patient("Appointment", pid)}),
        "medications": ("Drug", {m["medicationCodeableConcept"]["text"]
                                 for m in ds.of_patient("MedicationRequest", pid)}),
        "lab_results": ("Test", {o["code"]["text"] for o in ds.of_patient("Observation", pid)}),
        "care_plan": ("Condition", {c["code"]["text"] for c in ds.of_patient("Condition", pid)}),
        "billing": ("Claim number", {e["identifier"][0]["value"]
                                     for e in ds.of_patient("ExplanationOfBenefit", pid)}),
        "demographics": ("Email", {t["value"] for p in ds.of_patient("Patient", pid) for t in p["telecom"]
                                   if t["system"] == "email"}),
    }
    return texts[group]


def start_directory_server(directory: Path, pki: TestPKI) -> DirectoryServer:
    data_file = write_data_file(directory / "directory.json", seed=SEED, patients=40, today=TODAY)
    server = start_audit_server(directory / "server", pki=pki, extra_args=["--directory-data", str(data_file)])
    enrolment = server.enroll("agent-verify", team="blue")
    return DirectoryServer(server, data_file, enrolment["device_token"], enrolment["device_id"], [])


@dataclass
class SentRequest:
    method: str
    path: str
    query: str
    form: dict[str, list[str]] = field(default_factory=dict)


class RecordingSession(requests.Session):
    """A real session that also notes what it sends (path, query, form body), for tests that
    prove which resources were (and were not) fetched and that no criteria went in a URL."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[SentRequest] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urllib.parse.urlsplit(str(url))
        data = kwargs.get("data")
        form = urllib.parse.parse_qs(urllib.parse.urlencode(data)) if isinstance(data, dict) else {}
        self.sent.append(SentRequest(str(method), parts.path, parts.query, form))
        return super().request(method, url, *args, **kwargs)

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.sent]


def recording_session(ds: DirectoryServer) -> RecordingSession:
    s = RecordingSession()
    s.trust_env = False  # as the product's session: the policy's CA only
    s.verify = ds.server.verify
    s.headers["Authorization"] = f"Bearer {ds.device_token}"
    ds.sessions.append(s)
    return s


def _serve(ds: DirectoryServer) -> Iterator[DirectoryServer]:
    try:
        yield ds
    finally:
        for s in ds.sessions:
            s.close()
        ds.server.stop()


@pytest.fixture
def directory_server(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[DirectoryServer]:
    yield from _serve(start_directory_server(tmp_path_factory.mktemp("directory"), pki))


@pytest.fixture(scope="module")
def shared_directory_server(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[DirectoryServer]:
    """One server for a module's tests that only read (one process start instead of many)."""
    yield from _serve(start_directory_server(tmp_path_factory.mktemp("directory"), pki))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_vault(agent_home: Path, secret_service: str, tmp_path: Path) -> Iterator[VaultFactory]:
    factory = VaultFactory(agent_home, tmp_path / "policy.toml")
    try:
        yield factory
    finally:
        factory.cleanup()
