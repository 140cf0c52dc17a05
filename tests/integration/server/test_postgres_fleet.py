"""Several server processes on one PostgreSQL: the fleet deployment of DESIGN.md."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import requests

from agent_desktop.demo import certs
from tests.support.audit_server import AuditServer, make_chain
from tests.support.postgres import PostgresCluster


def test_two_servers_ingesting_one_devices_batches_at_once_store_each_event_once(
        postgres: PostgresCluster, audit_server_factory: Callable[..., AuditServer], pki: certs.TestPKI) -> None:
    url = postgres.create_database()
    first = audit_server_factory(db_url=url, pki=pki)
    second = audit_server_factory(db_url=url, pki=pki, signing_key=first.signing_key)
    device = first.enroll("agent-1")
    dev, token = device["device_id"], device["device_token"]
    batches = [make_chain(dev, 100)]
    for _ in range(7):
        batches.append(make_chain(dev, 100, start_seq=batches[-1][-1]["seq"] + 1,
                                  prev_hash=batches[-1][-1]["hash"]))
    barrier = threading.Barrier(2)
    answers: dict[str, list[requests.Response]] = {"first": [], "second": []}
    failures: list[BaseException] = []

    def client(name: str, server: AuditServer) -> None:
        session = server.session(token)
        try:
            for batch in batches:
                barrier.wait(30)  # both processes get the same batch at the same moment
                answers[name].append(session.post(server.url("/v1/audit/batches"),
                                                  json={"device_id": dev, "events": batch}, timeout=60))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=client, args=(n, s)) for n, s in (("first", first), ("second", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not failures
    for a, b in zip(answers["first"], answers["second"], strict=True):
        assert a.status_code == b.status_code == 200, (a.text, b.text)
        ja: dict[str, Any] = a.json()
        jb: dict[str, Any] = b.json()
        assert ja["receipt"] == jb["receipt"]
        assert ja["accepted"] + jb["accepted"] == 100 and ja["duplicates"] + jb["duplicates"] == 100
    auditor = second.token("auditor")
    verdict = second.session(auditor).get(second.url("/v1/audit/verify"), params={"device_id": dev},
                                          timeout=30).json()
    assert (verdict["status"], verdict["events"], verdict["last_seq"]) == ("intact", 800, 800)
    # both servers answer queries from the one database
    page = first.session(auditor).get(first.url("/v1/audit/events"),
                                      params={"device_id": dev, "limit": 1000}, timeout=30).json()
    assert len(page["events"]) == 800 and len({e["seq"] for e in page["events"]}) == 800


def test_a_database_restart_gives_503_at_worst_and_the_server_reconnects(
        postgres: PostgresCluster, audit_server_factory: Callable[..., AuditServer]) -> None:
    server = audit_server_factory(db_url=postgres.create_database())
    device = server.enroll("agent-1")
    session = server.session(device["device_token"])
    events = make_chain(device["device_id"], 4)
    url = server.url("/v1/audit/batches")
    assert session.post(url, json={"device_id": device["device_id"], "events": events[:2]}, timeout=30).ok
    postgres.restart()
    statuses = []
    for _ in range(10):  # each worker thread notices its dead connection once
        r = session.post(url, json={"device_id": device["device_id"], "events": events[2:]}, timeout=30)
        statuses.append(r.status_code)
        if r.status_code == 200:
            break
        assert r.status_code == 503 and r.json()["error"] == "unavailable" and r.headers["Retry-After"]
    assert statuses[-1] == 200 and 500 not in statuses
    assert r.json()["last_seq"] == 4
