"""The real audit server over HTTPS (SQLite): enrolment, ingest, receipts, roles, bad input."""

from __future__ import annotations

import copy
import json
import sqlite3
import time
from typing import Any

import requests

from agent_desktop.audit.event import GENESIS_HASH, build_event, receipt_message, utc_timestamp
from agent_desktop.server.keys import verify_signature
from tests.support.audit_server import AuditServer, make_chain


def post_batch(server: AuditServer, device: dict[str, Any], events: list[dict[str, Any]],
               device_id: str | None = None) -> requests.Response:
    return server.session(device["device_token"]).post(
        server.url("/v1/audit/batches"),
        json={"device_id": device_id or device["device_id"], "events": events}, timeout=30)


def stored_count(server: AuditServer, auditor: str, device_id: str) -> int:
    r = server.session(auditor).get(server.url("/v1/audit/events"),
                                    params={"device_id": device_id, "limit": 1000}, timeout=10)
    r.raise_for_status()
    return len(r.json()["events"])


def test_enrolment_returns_device_credentials_and_the_token_works_only_once(audit_server: AuditServer) -> None:
    token = audit_server.token("enroll", agent="agent-7", team="blue")
    first = audit_server.session(token).post(audit_server.url("/v1/enroll"), json={}, timeout=10)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["agent_id"] == "agent-7" and body["team"] == "blue" and body["role"] == "agent"
    assert body["receipt_public_key"] == audit_server.public_key_hex
    assert body["last_seq"] == 0 and body["last_hash"] == GENESIS_HASH
    again = audit_server.session(token).post(audit_server.url("/v1/enroll"), json={}, timeout=10)
    assert again.status_code == 401
    status = audit_server.session(body["device_token"]).get(
        audit_server.url(f"/v1/devices/{body['device_id']}"), timeout=10)
    assert status.json()["status"] == "active"


def test_batch_gets_a_valid_receipt_and_a_replay_stores_nothing_new(audit_server: AuditServer) -> None:
    device = audit_server.enroll("agent-1")
    auditor = audit_server.token("auditor")
    events = make_chain(device["device_id"], 5)
    r = post_batch(audit_server, device, events)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["accepted"], body["duplicates"], body["last_seq"]) == (5, 0, 5)
    assert body["last_hash"] == events[-1]["hash"]
    message = receipt_message(device["device_id"], 5, events[-1]["hash"])
    assert verify_signature(device["receipt_public_key"], message, body["receipt"])
    assert not verify_signature(device["receipt_public_key"], receipt_message(device["device_id"], 4,
                                events[-1]["hash"]), body["receipt"])

    replay = post_batch(audit_server, device, events)
    assert replay.status_code == 200
    assert replay.json()["receipt"] == body["receipt"]
    assert (replay.json()["accepted"], replay.json()["duplicates"]) == (0, 5)
    assert stored_count(audit_server, auditor, device["device_id"]) == 5

    more = make_chain(device["device_id"], 3, start_seq=6, prev_hash=events[-1]["hash"])
    overlap = post_batch(audit_server, device, events[3:] + more)
    assert (overlap.json()["accepted"], overlap.json()["duplicates"], overlap.json()["last_seq"]) == (3, 2, 8)
    assert stored_count(audit_server, auditor, device["device_id"]) == 8


def test_chain_breaks_return_409_with_the_first_bad_seq_store_nothing_and_alert(audit_server: AuditServer) -> None:
    device = audit_server.enroll("agent-1")
    auditor = audit_server.token("auditor")
    dev = device["device_id"]
    events = make_chain(dev, 4)
    assert post_batch(audit_server, device, events[:2]).status_code == 200

    gap = post_batch(audit_server, device, events[3:])
    assert gap.status_code == 409 and gap.json()["first_bad_seq"] == 3

    edited = copy.deepcopy(events[2:])
    edited[1]["outcome"] = "failure"  # content changed, hash kept: a forged edit
    forged = post_batch(audit_server, device, edited)
    assert forged.status_code == 409 and forged.json()["first_bad_seq"] == 4

    fork = make_chain(dev, 3, patient="pat-0009")  # a different history from seq 1
    forked = post_batch(audit_server, device, fork)
    assert forked.status_code == 409 and forked.json()["first_bad_seq"] == 1

    unlinked = make_chain(dev, 1, start_seq=3, prev_hash="ab" * 32)
    assert post_batch(audit_server, device, unlinked).json()["first_bad_seq"] == 3

    assert stored_count(audit_server, auditor, dev) == 2
    alerts = audit_server.session(auditor).get(audit_server.url("/v1/audit/alerts"), timeout=10).json()
    assert [a["seq"] for a in alerts["alerts"] if a["device_id"] == dev] == [3, 1, 4, 3]
    verdict = audit_server.session(auditor).get(audit_server.url("/v1/audit/verify"),
                                                params={"device_id": dev}, timeout=10).json()
    assert verdict["status"] == "intact" and verdict["last_seq"] == 2 and verdict["alerts"] == 4


def test_bad_input_gets_a_precise_4xx_and_the_server_keeps_serving(audit_server: AuditServer) -> None:
    device = audit_server.enroll("agent-1")
    auditor = audit_server.token("auditor")
    dev = device["device_id"]
    s = audit_server.session(device["device_token"])
    url = audit_server.url("/v1/audit/batches")
    events = make_chain(dev, 2)

    def expect(response: requests.Response, status: int, words: str) -> None:
        assert response.status_code == status, response.text
        assert words in response.json()["message"], response.json()

    expect(s.post(url, data=b"{not json", headers={"Content-Type": "application/json"}, timeout=10),
           400, "JSON")
    expect(s.post(url, json={"device_id": dev, "events": events, "extra": 1}, timeout=10), 400, "extra")
    expect(s.post(url, json={"device_id": dev, "events": "nope"}, timeout=10), 400, "events")
    expect(s.post(url, json={"device_id": dev, "events": [events[0], events[0]]}, timeout=10), 400,
           "repeats")
    wrong_type = copy.deepcopy(events)
    wrong_type[0]["seq"] = "1"
    expect(s.post(url, json={"device_id": dev, "events": wrong_type}, timeout=10), 400, "seq")
    unknown = copy.deepcopy(events)
    unknown[0]["color"] = "red"
    expect(s.post(url, json={"device_id": dev, "events": unknown}, timeout=10), 400, "unknown field")
    other = make_chain("dev-other", 1)
    expect(s.post(url, json={"device_id": dev, "events": other}, timeout=10), 400, "device_id")
    expect(s.post(url, json={"device_id": "dev-other", "events": other}, timeout=10), 403, "own")
    future = make_chain(dev, 1, ts=utc_timestamp(time.time() + 3600))
    expect(s.post(url, json={"device_id": dev, "events": future}, timeout=10), 400, "future")
    phi = [build_event(device_id=dev, seq=1, prev_hash=GENESIS_HASH, user="agent-1", role="agent",
                       action="verify.fail", detail={"reason": "ok"})]
    phi[0]["detail"] = {"said": "Jane Q Public born 1970"}
    expect(s.post(url, json={"device_id": dev, "events": phi}, timeout=10), 400, "detail")
    surrogate = json.dumps({"device_id": dev, "events": events}).replace(
        '"detail": {}', '"detail": {"reason": "\\ud800"}', 1)
    assert "\\ud800" in surrogate
    expect(s.post(url, data=surrogate, headers={"Content-Type": "application/json"}, timeout=10), 400,
           "lone surrogate")
    huge = s.post(url, data=b"[" + b"0," * (5 * 1024 * 1024) + b"0]",
                  headers={"Content-Type": "application/json"}, timeout=30)
    assert huge.status_code == 413
    for token in ("", "adt_forged", audit_server.token("auditor", expires_at="2020-01-01T00:00:00.000Z")):
        r = requests.post(url, json={"device_id": dev, "events": events}, verify=audit_server.verify,
                          headers={"Authorization": f"Bearer {token}"} if token else {}, timeout=10)
        assert r.status_code in (401, 403), r.text
    assert stored_count(audit_server, auditor, dev) == 0
    ok = s.post(url, json={"device_id": dev, "events": events}, timeout=10)
    assert ok.status_code == 200 and ok.json()["accepted"] == 2
    assert requests.get(audit_server.url("/healthz"), verify=audit_server.verify, timeout=5).ok


def test_roles_are_enforced_without_revealing_what_exists_and_denials_are_recorded(
        audit_server: AuditServer) -> None:
    one = audit_server.enroll("agent-1")
    two = audit_server.enroll("agent-2")
    auditor = audit_server.token("auditor")
    dev_s = audit_server.session(one["device_token"])
    existing = dev_s.get(audit_server.url(f"/v1/devices/{two['device_id']}"), timeout=10)
    missing = dev_s.get(audit_server.url("/v1/devices/dev-does-not-exist"), timeout=10)
    assert existing.status_code == missing.status_code == 403
    assert existing.json() == missing.json()
    assert dev_s.get(audit_server.url("/v1/audit/events"), timeout=10).status_code == 403
    assert dev_s.post(audit_server.url(f"/v1/devices/{two['device_id']}/revoke"), timeout=10).status_code == 403
    r = audit_server.session(auditor).post(audit_server.url("/v1/audit/batches"),
                                           json={"device_id": one["device_id"],
                                                 "events": make_chain(one["device_id"], 1)}, timeout=10)
    assert r.status_code == 403
    denials = audit_server.session(auditor).get(audit_server.url("/v1/audit/alerts"), timeout=10).json()["denials"]
    assert {d["path"] for d in denials} >= {f"/v1/devices/{two['device_id']}", "/v1/audit/events",
                                            "/v1/audit/batches"}
    assert all(d["status"] in (401, 403) for d in denials)
    assert not any(one["device_token"] in json.dumps(d) for d in denials)


def test_revoked_device_learns_its_status_and_can_no_longer_upload(audit_server: AuditServer) -> None:
    device = audit_server.enroll("agent-1")
    admin = audit_server.token("admin")
    r = audit_server.session(admin).post(audit_server.url(f"/v1/devices/{device['device_id']}/revoke"),
                                         json={"reason": "laptop lost"}, timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    status = audit_server.session(device["device_token"]).get(
        audit_server.url(f"/v1/devices/{device['device_id']}"), timeout=10)
    assert status.json()["status"] == "revoked"
    upload = post_batch(audit_server, device, make_chain(device["device_id"], 1))
    assert upload.status_code == 403 and upload.json()["error"] == "device_revoked"


def test_verify_reports_the_first_edited_event_in_the_stored_chain(audit_server: AuditServer) -> None:
    device = audit_server.enroll("agent-1")
    auditor = audit_server.token("auditor")
    assert post_batch(audit_server, device, make_chain(device["device_id"], 6)).status_code == 200
    # an insider edits a stored row behind the server's back
    with sqlite3.connect(audit_server.directory / "audit.db") as conn:
        conn.execute("UPDATE events SET outcome = 'failure' WHERE device_id = ? AND seq = 4",
                     (device["device_id"],))
    verdict = audit_server.session(auditor).get(audit_server.url("/v1/audit/verify"),
                                                params={"device_id": device["device_id"]}, timeout=10).json()
    assert verdict["status"] == "broken" and verdict["first_bad_seq"] == 4
