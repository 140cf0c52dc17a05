"""The adversarial review's findings, each against the real server process (SQLite, HTTP on
loopback): revocation, actor binding, consent shapes, directory reads, denial counting,
non-finite numbers, hash case, file modes, error shape and reported outbox heads.

One server (with the FHIR directory) serves the module; each test enrols its own devices.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from agent_desktop.directory.fhir import consent_resource
from agent_desktop.directory.synthetic import write_data_file
from tests.support.audit_server import AuditServer, make_chain, start_audit_server

RATE = 40  # directory requests per device and minute on this module's server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditServer]:
    work = tmp_path_factory.mktemp("hardening")
    data = write_data_file(work / "directory.json", seed=7, patients=20, today=dt.date(2026, 11, 28))
    started = start_audit_server(work / "server", extra_args=["--directory-data", str(data),
                                                              "--directory-rate", str(RATE)])
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def directory(server: AuditServer) -> dict[str, list[dict[str, Any]]]:
    loaded: dict[str, list[dict[str, Any]]] = json.loads(
        Path(server.extra_args[1]).read_text("utf-8"))
    return loaded


@pytest.fixture(scope="module")
def auditor(server: AuditServer) -> requests.Session:
    return server.session(server.token("auditor"))


def post(server: AuditServer, device: dict[str, Any], events: list[dict[str, Any]],
         **headers: str) -> requests.Response:
    return server.session(device["device_token"]).post(
        server.url("/v1/audit/batches"), json={"device_id": device["device_id"], "events": events},
        headers=headers, timeout=30)


def stored(server: AuditServer, device_id: str) -> int:
    with sqlite3.connect(server.db_url.removeprefix("sqlite:///")) as conn:
        row = conn.execute("SELECT COUNT(*) FROM events WHERE device_id = ?", (device_id,)).fetchone()
    return int(row[0])


def alerts(auditor: requests.Session, server: AuditServer, device_id: str) -> list[dict[str, Any]]:
    body = auditor.get(server.url("/v1/audit/alerts"), params={"limit": 1000}, timeout=10).json()
    return [a for a in body["alerts"] if a["device_id"] == device_id]


def phone_of(patient: dict[str, Any]) -> str:
    return str(patient["telecom"][0]["value"])


# --- revocation -----------------------------------------------------------------------------

def test_a_revoked_device_keeps_no_power_but_learning_that_it_is_revoked(
        server: AuditServer, directory: dict[str, list[dict[str, Any]]]) -> None:
    device = server.enroll("agent-rv", team="blue")
    lead = server.enroll("lead-rv", team="blue", user_role="team_lead")
    patient = directory["Patient"][0]
    pid = patient["id"]
    s, lead_s = server.session(device["device_token"]), server.session(lead["device_token"])
    consent = consent_resource(patient_id=pid, actor_ref="RelatedPerson/none", groups=["demographics"],
                               start=dt.date(2026, 1, 1), end=None)
    calls: list[tuple[requests.Session, str, str, Any]] = [
        (s, "POST", "/v1/audit/batches", {"device_id": device["device_id"],
                                          "events": make_chain(device["device_id"], 1, user="agent-rv")}),
        (s, "POST", "/fhir/Patient/_search", None),
        (s, "GET", f"/fhir/Patient/{pid}", None),
        (s, "GET", f"/fhir/RelatedPerson?patient={pid}", None),
        (s, "GET", f"/fhir/Consent?patient={pid}", None),
        (s, "PUT", "/v1/agents/agent-rv/state", {"state": "available"}),
        (s, "POST", "/v1/agents/agent-rv/escalations", {"kind": "need_help"}),
        (lead_s, "GET", "/v1/teams/blue/agents", None),
        (lead_s, "POST", "/v1/monitor/tokens", {"agent": "agent-rv", "mode": "listen"}),
    ]

    def send(session: requests.Session, method: str, path: str, body: Any) -> requests.Response:
        if path == "/fhir/Patient/_search":
            return session.post(server.url(path), data={"telecom": f"phone|{phone_of(patient)}"}, timeout=10)
        return session.request(method, server.url(path), json=body, timeout=10)

    before = [send(*call).status_code for call in calls]
    assert before == [200] * len(calls)
    admin = server.session(server.token("admin"))
    for target in (device, lead):
        assert admin.post(server.url(f"/v1/devices/{target['device_id']}/revoke"), json={}, timeout=10).ok
    for call in calls:
        r = send(*call)
        assert r.status_code == 403, (call[1:3], r.status_code)
        assert r.json()["error"] == "device_revoked", call[1:3]
    posted = s.post(server.url("/fhir/Consent"), json=consent, timeout=10)
    assert posted.status_code == 403
    for target, session in ((device, s), (lead, lead_s)):
        status = session.get(server.url(f"/v1/devices/{target['device_id']}"), timeout=10)
        assert status.status_code == 200 and status.json()["status"] == "revoked"
    assert stored(server, device["device_id"]) == 1  # only the batch sent before revocation


def test_tokens_of_every_role_can_be_revoked_and_expire(server: AuditServer) -> None:
    past = "2020-01-01T00:00:00.000Z"
    device = server.enroll("agent-tk", team="blue")
    checks = {"auditor": "/v1/audit/alerts", "admin": f"/v1/devices/{device['device_id']}",
              "team_lead": "/v1/teams/blue/agents"}
    for role, path in checks.items():
        kwargs: dict[str, Any] = {"agent": "lead-tk", "team": "blue"} if role == "team_lead" else {}
        token = server.token(role, **kwargs)
        assert server.session(token).get(server.url(path), timeout=10).status_code == 200, role
        done = subprocess.run([sys.executable, "-m", "agent_desktop", "server", "token", "revoke",
                               "--db", server.db_url, "--token", token, "--reason", "test"],
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0 and json.loads(done.stdout)["role"] == role, done.stderr
        assert server.session(token).get(server.url(path), timeout=10).status_code == 401, role
        expired = server.token(role, expires_at=past, **kwargs)
        assert server.session(expired).get(server.url(path), timeout=10).status_code == 401, role


# --- actor binding --------------------------------------------------------------------------

@pytest.mark.parametrize(("user", "role"), [("agent-other", "agent"), ("agent-ab", "admin"),
                                            ("agent-ab", "team_lead")])
def test_events_must_name_the_tokens_agent_and_role(server: AuditServer, user: str, role: str) -> None:
    from agent_desktop.audit.event import GENESIS_HASH, build_event

    device = server.enroll("agent-ab", team="blue")
    own = make_chain(device["device_id"], 1, user="agent-ab")
    forged = build_event(device_id=device["device_id"], seq=2, prev_hash=own[0]["hash"], user=user, role=role,
                         action="phi.view", patient="pat-0002")
    r = post(server, device, [*own, forged])
    assert r.status_code == 403 and r.json()["error"] == "actor_mismatch", r.text
    assert "events[1]" in r.json()["message"] and stored(server, device["device_id"]) == 0
    assert post(server, device, own).status_code == 200
    assert GENESIS_HASH != own[0]["hash"]


# --- input the server used to accept or answer 500 ---------------------------------------------

def test_nan_and_uppercase_hashes_are_refused_as_bad_requests_without_a_tamper_alert(
        server: AuditServer, auditor: requests.Session) -> None:
    device = server.enroll("agent-nan", team="blue")
    event = make_chain(device["device_id"], 1, user="agent-nan", detail={"ratio": 0.5})[0]
    body = json.dumps({"device_id": device["device_id"], "events": [event]})
    for raw in (body.replace("0.5", "NaN"), body.replace("0.5", "Infinity"),
                body.replace(event["hash"], event["hash"].upper())):
        r = server.session(device["device_token"]).post(
            server.url("/v1/audit/batches"), data=raw, headers={"Content-Type": "application/json"}, timeout=10)
        assert r.status_code == 400 and r.json()["error"] == "bad_request", r.text
    assert stored(server, device["device_id"]) == 0 and alerts(auditor, server, device["device_id"]) == []


def test_a_detail_nested_deeper_than_the_parser_writes_is_a_bad_request(server: AuditServer) -> None:
    # orjson reads 1024 levels but writes 254; 2 KB of detail holds about 1000 levels
    device = server.enroll("agent-deep", team="blue")
    event = make_chain(device["device_id"], 1, user="agent-deep", detail={"ratio": 0.5})[0]
    raw = json.dumps({"device_id": device["device_id"], "events": [event]}).replace(
        "0.5", "[" * 300 + "]" * 300)
    r = server.session(device["device_token"]).post(
        server.url("/v1/audit/batches"), data=raw, headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400 and "nested too deeply" in r.json()["message"], r.text
    assert stored(server, device["device_id"]) == 0


def test_malformed_consents_get_400_and_nothing_is_stored(
        server: AuditServer, directory: dict[str, list[dict[str, Any]]]) -> None:
    device = server.enroll("agent-cs", team="blue")
    s = server.session(device["device_token"])
    related = directory["RelatedPerson"][0]
    pid = related["patient"]["reference"].removeprefix("Patient/")

    def good() -> dict[str, Any]:
        return consent_resource(patient_id=pid, actor_ref=f"RelatedPerson/{related['id']}",
                                groups=["demographics"], start=dt.date(2026, 1, 1), end=None)

    def count() -> int:
        bundle = s.get(server.url(f"/fhir/Consent?patient={pid}"), timeout=10).json()
        return int(bundle["total"])

    def mutated(path: str, value: Any) -> dict[str, Any]:
        body = good()
        target = body
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
        return body

    cases: list[Any] = [
        mutated("provision", "permit"), mutated("provision", ["permit"]),
        mutated("provision.actor", "RelatedPerson/x"), mutated("provision.actor", [1, 2]),
        mutated("provision.actor", [{"reference": "RelatedPerson/x"}]), mutated("provision.actor", [None]),
        mutated("patient", "Patient/x"), mutated("patient", {"reference": 7}), mutated("patient", [pid]),
        mutated("contained", {"resourceType": "RelatedPerson"}), mutated("contained", ["x"]),
        mutated("contained", [{"resourceType": "RelatedPerson", "id": ["a"]}]),
        mutated("provision.period", "2026-01-01"), mutated("provision.period", ["2026"]),
        mutated("provision.period", {"start": 20260101}), mutated("provision.period", {"start": "2026-05-01",
                                                                                         "end": "2026-01-01"}),
        mutated("provision.class", "demographics"), mutated("provision.class", [{"code": 5}]),
        mutated("status", ["active"]), [good()], "consent", None,
    ]
    before = count()
    for case in cases:
        r = s.post(server.url("/fhir/Consent"), json=case, timeout=10)
        assert r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome", (case, r.text)
    for raw in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 5000 + b"1" + b"}" * 5000,
                json.dumps({"resourceType": "Consent", "x": [[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}).encode()):
        r = s.post(server.url("/fhir/Consent"), data=raw, headers={"Content-Type": "application/fhir+json"},
                   timeout=30)
        assert r.status_code == 400, r.text
    assert count() == before
    assert s.post(server.url("/fhir/Consent"), json=good(), timeout=10).status_code == 201
    assert count() == before + 1


# --- directory reads --------------------------------------------------------------------------

def test_directory_reads_are_recorded_without_values_and_an_ssn_alone_finds_nobody(
        server: AuditServer, directory: dict[str, list[dict[str, Any]]], auditor: requests.Session) -> None:
    device = server.enroll("agent-dr", team="blue")
    s = server.session(device["device_token"])
    patient = directory["Patient"][2]
    pid = patient["id"]
    found = s.post(server.url("/fhir/Patient/_search"), data={"telecom": f"phone|{phone_of(patient)}"}, timeout=10)
    assert pid in [e["resource"]["id"] for e in found.json()["entry"]]
    assert s.get(server.url(f"/fhir/RelatedPerson?patient={pid}"), timeout=10).ok
    assert s.get(server.url(f"/fhir/Patient/{pid}"), timeout=10).ok
    assert s.get(server.url("/fhir/metadata"), timeout=10).ok  # reachability checks disclose nobody
    nobody = s.post(server.url("/fhir/Patient/_search"), data={"telecom": "phone|+1 999 555 0000"}, timeout=10)
    assert nobody.json()["total"] == 0
    for identifier in patient.get("identifier") or [{"system": "http://hl7.org/fhir/sid/us-ssn",
                                                     "value": "123-45-6789"}]:
        ssn = s.get(server.url("/fhir/Patient"), params={"identifier": f"{identifier['system']}|"
                                                         f"{identifier['value']}"}, timeout=10)
        assert ssn.status_code == 400 and "search by telecom" in ssn.text

    reads = auditor.get(server.url("/v1/audit/directory-reads"), params={"device_id": device["device_id"]},
                        timeout=10).json()["reads"]
    seen = {(r["interaction"], r["resource_type"], r["patient"]) for r in reads}
    assert ("search", "Patient", pid) in seen and ("read", "Patient", pid) in seen
    assert ("search", "RelatedPerson", pid) in seen and ("search", "Patient", None) in seen
    assert {r["agent_id"] for r in reads} == {"agent-dr"}
    assert "CapabilityStatement" not in {r["resource_type"] for r in reads} and len(reads) == 4
    text = json.dumps(reads)
    assert phone_of(patient) not in text and patient["birthDate"] not in text
    by_patient = auditor.get(server.url("/v1/audit/directory-reads"), params={"patient": pid}, timeout=10)
    assert device["device_id"] in {r["device_id"] for r in by_patient.json()["reads"]}


def test_directory_reads_are_rate_limited_per_device(server: AuditServer,
                                                     directory: dict[str, list[dict[str, Any]]]) -> None:
    fast, other = server.enroll("agent-fast", team="blue"), server.enroll("agent-calm", team="blue")
    pid = directory["Patient"][3]["id"]
    s = server.session(fast["device_token"])
    codes = [s.get(server.url(f"/fhir/Patient/{pid}"), timeout=10).status_code for _ in range(RATE + 5)]
    # the bucket refills at RATE/min (one every 1.5 s): a slow machine may earn one or two back
    assert codes[:RATE] == [200] * RATE and codes.count(429) >= 3
    limited = s.get(server.url(f"/fhir/Patient/{pid}"), timeout=10)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert server.session(other["device_token"]).get(server.url(f"/fhir/Patient/{pid}"), timeout=10).ok


# --- denials, files, error shape -----------------------------------------------------------------

def test_unauthenticated_floods_are_counted_without_a_write_per_request(
        server: AuditServer, auditor: requests.Session) -> None:
    path = server.db_url.removeprefix("sqlite:///")
    auditor.get(server.url("/v1/audit/alerts"), timeout=10)  # flush what earlier tests left pending

    def rows() -> int:
        with sqlite3.connect(path) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM denials").fetchone()[0])

    start = rows()
    anonymous = server.session()
    for _ in range(300):
        assert anonymous.get(server.url("/v1/audit/events"), timeout=10).status_code == 401
    assert rows() - start <= 10  # at most one flush per few seconds, not one row per request
    body = auditor.get(server.url("/v1/audit/alerts"), params={"limit": 1000}, timeout=10).json()
    flood = [d for d in body["denials"] if d["path"] == "/v1/audit/events" and d["status"] == 401]
    assert sum(d["count"] for d in flood) >= 300
    assert all(d["first_ts"] <= d["ts"] for d in flood)


def test_database_files_are_private(server: AuditServer) -> None:
    db = Path(server.db_url.removeprefix("sqlite:///"))
    files = [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
    assert all(f.exists() for f in files)
    assert {oct(f.stat().st_mode & 0o777) for f in files} == {oct(0o600)}


def test_framework_errors_use_the_documented_shape(server: AuditServer) -> None:
    s = server.session()
    missing = s.get(server.url("/v1/nothing-here"), timeout=10)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found" and "message" in missing.json()
    wrong = s.delete(server.url("/healthz"), timeout=10)
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"
    assert "detail" not in missing.json() and "detail" not in wrong.json()


# --- reported outbox heads -----------------------------------------------------------------------

def test_a_reported_head_that_goes_back_or_forks_raises_an_alert(
        server: AuditServer, auditor: requests.Session) -> None:
    device = server.enroll("agent-hd", team="blue")
    dev = device["device_id"]
    events = make_chain(dev, 6, user="agent-hd")
    # the workstation holds 6 events, sends 4: its head is seq 6
    assert post(server, device, events[:4], **{"Audit-Head": f"6:{events[5]['hash']}"}).ok
    status = server.session(device["device_token"])

    def check(head: str) -> int:
        r = status.get(server.url(f"/v1/devices/{dev}"), headers={"Audit-Head": head}, timeout=10)
        assert r.status_code == 200, r.text
        return len(alerts(auditor, server, dev))

    assert check(f"6:{events[5]['hash']}") == 0  # the same head again: nothing new
    assert post(server, device, events[4:], **{"Audit-Head": f"6:{events[5]['hash']}"}).ok
    assert alerts(auditor, server, dev) == []
    assert check(f"5:{events[4]['hash']}") == 1  # went back (events removed from the outbox)
    assert alerts(auditor, server, dev)[0]["kind"] == "outbox_head_backwards"
    assert check(f"5:{events[4]['hash']}") == 1  # repeated: already reported
    assert check(f"6:{'ab' * 32}") == 2  # a different event at a stored seq: rewritten history
    assert alerts(auditor, server, dev)[0]["kind"] == "outbox_head_fork"
    bad = status.get(server.url(f"/v1/devices/{dev}"), headers={"Audit-Head": "six"}, timeout=10)
    assert bad.status_code == 400
