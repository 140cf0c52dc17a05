"""Test helpers for the patient directory: a real reference server with synthetic patients,
a FHIR client with the enrolled device's token, an unlocked real vault with a fake clock."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from agent_desktop.directory.client import FhirClient
from agent_desktop.directory.fhir import record_from_fhir
from agent_desktop.directory.synthetic import write_data_file
from agent_desktop.verify.record import PatientRecord
from tests.support.audit_server import AuditServer, start_audit_server
from tests.support.certs import TestPKI
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

    def record(self, pred: Callable[[PatientRecord], bool]) -> PatientRecord:
        """The first synthetic patient (read from the data file) that satisfies ``pred``."""
        data = self.data()
        for patient in data["Patient"]:
            related = [r for r in data["RelatedPerson"] if r["patient"]["reference"] == f"Patient/{patient['id']}"]
            record = record_from_fhir(patient, related, data["Consent"])
            if pred(record):
                return record
        raise LookupError("no synthetic patient fits")


def start_directory_server(directory: Path, pki: TestPKI) -> DirectoryServer:
    data_file = write_data_file(directory / "directory.json", seed=SEED, patients=40, today=TODAY)
    server = start_audit_server(directory / "server", pki=pki, extra_args=["--directory-data", str(data_file)])
    enrolment = server.enroll("agent-verify", team="blue")
    return DirectoryServer(server, data_file, enrolment["device_token"], enrolment["device_id"], [])


@pytest.fixture
def directory_server(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[DirectoryServer]:
    ds = start_directory_server(tmp_path_factory.mktemp("directory"), pki)
    try:
        yield ds
    finally:
        for s in ds.sessions:
            s.close()
        ds.server.stop()


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
