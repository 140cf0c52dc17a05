"""Property-based fuzzing of the live server from its own OpenAPI document: never a 5xx.

Every operation, the FHIR directory's included, gets positive (schema-valid) and negative
(schema-violating) cases from schemathesis, sent with a token of the role the operation
needs so the fuzzer reaches the handlers, not just the authentication check. Bounded: a few
dozen cases per operation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from agent_desktop.directory.synthetic import write_data_file
from tests.support.audit_server import AuditServer, make_chain
from tests.support.postgres import PostgresCluster

EXAMPLES = 40


def role_for(path: str, method: str) -> str:
    if path == "/v1/enroll":
        return "enroll"
    if path.startswith(("/v1/audit/batches", "/v1/agents")) or (path.startswith("/v1/devices/{")
                                                                and method == "GET"):
        return "device"
    if path.startswith("/fhir/") and not path.startswith("/fhir/AuditEvent"):
        return "device"
    if path.endswith("/revoke"):
        return "admin"
    if path.startswith(("/v1/teams", "/v1/monitor")):
        return "team_lead"
    return "auditor"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_fuzzing_every_operation_never_gets_a_server_error(
        backend: str, audit_server_factory: Callable[..., AuditServer], request: pytest.FixtureRequest) -> None:
    db_url = None
    if backend == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        db_url = cluster.create_database()
    work = request.getfixturevalue("tmp_path")
    data = write_data_file(work / "directory.json", seed=7, patients=10, today=dt.date(2026, 11, 28))
    # a rate far above what the fuzzer sends: it must reach the handlers, not the limiter
    server = audit_server_factory(db_url=db_url, extra_args=["--directory-data", str(data),
                                                             "--directory-rate", "100000"])
    device = server.enroll("agent-1", team="blue")
    server.session(device["device_token"]).post(
        server.url("/v1/audit/batches"),
        json={"device_id": device["device_id"], "events": make_chain(device["device_id"], 20)},
        timeout=30).raise_for_status()
    tokens = {"device": device["device_token"], "auditor": server.token("auditor"),
              "admin": server.token("admin"), "team_lead": server.token("team_lead", agent="lead", team="blue"),
              "enroll": server.token("enroll", agent="agent-2", team="blue")}
    schema = schemathesis.openapi.from_url(server.url("/openapi.json"))
    session = server.session()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 21
    assert sum(op.path.startswith("/fhir/") and op.path != "/fhir/AuditEvent" for op in operations) >= 6
    failures: list[str] = []
    sent: list[int] = []
    for operation in operations:
        headers = {"Authorization": f"Bearer {tokens[role_for(operation.path, operation.method.upper())]}"}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode, headers=headers)

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def send(case: schemathesis.Case) -> None:
                response = case.call(base_url=server.base_url, session=session, timeout=30)
                sent.append(response.status_code)
                if response.status_code >= 500:
                    failures.append(f"{case.operation.label} -> {response.status_code}: "
                                    f"{case.as_curl_command()}")

            try:
                send()
            except Unsatisfiable:
                # nothing to violate (e.g. /healthz takes no input): no negative cases exist
                assert mode is GenerationMode.NEGATIVE, operation.label
    assert not failures, "\n".join(failures[:10]) + "\n" + server.log_tail()
    assert len(sent) > 20 * len(operations)
    assert any(status == 200 for status in sent) and any(status == 400 for status in sent)
    assert session.get(server.url("/healthz"), timeout=5).ok
