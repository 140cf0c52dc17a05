"""The directory's audit guarantees in-process (real app, real SQLite; a fake clock for the
rate): no disclosure without its record, and the per-device token bucket."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

from agent_desktop.directory.synthetic import write_data_file
from agent_desktop.server import devices
from agent_desktop.server.app import create_app
from agent_desktop.server.context import ServerContext
from agent_desktop.server.db import open_database
from agent_desktop.server.directory_audit import TokenBuckets
from agent_desktop.server.keys import write_key
from agent_desktop.server.migrations import migrate
from agent_desktop.server.tokens import create_token, lookup

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about its httpx-based test client
    from fastapi.testclient import TestClient


def test_a_read_that_cannot_be_recorded_is_not_disclosed(tmp_path: Path) -> None:
    data = write_data_file(tmp_path / "directory.json", seed=7, patients=5, today=dt.date(2026, 11, 28))
    patient = json.loads(data.read_text("utf-8"))["Patient"][0]
    db = open_database(f"sqlite:///{tmp_path / 'audit.db'}")
    migrate(db)
    ctx = ServerContext(db=db, signer=write_key(tmp_path / "key.pem"))
    principal = lookup(db, create_token(db, "enroll", agent_id="agent-1", team="blue"))
    assert principal is not None
    device = devices.enroll(ctx, principal, None)
    with TestClient(create_app(ctx, directory_data=data)) as client:
        headers = {"Authorization": f"Bearer {device['device_token']}"}
        assert client.get(f"/fhir/Patient/{patient['id']}", headers=headers).status_code == 200
        with db.transaction():
            db.execute("DROP TABLE directory_reads")  # the audit store fails
        withheld = client.get(f"/fhir/Patient/{patient['id']}", headers=headers)
    assert withheld.status_code == 503 and withheld.headers["Retry-After"] == "5"
    assert withheld.json()["resourceType"] == "OperationOutcome"
    assert patient["id"] not in withheld.text and patient["birthDate"] not in withheld.text
    db.close()


def test_token_buckets_admit_a_burst_then_the_rate() -> None:
    now = [1000.0]
    buckets = TokenBuckets(60, lambda: now[0])  # one a second, bursts of 60
    assert all(buckets.take("dev-a") == 0 for _ in range(60))
    assert buckets.take("dev-a") == 1.0  # empty: the next token in one second
    assert buckets.take("dev-b") == 0  # per device
    now[0] += 2.5
    assert buckets.take("dev-a") == 0 and buckets.take("dev-a") == 0
    assert 0 < buckets.take("dev-a") <= 1.0
