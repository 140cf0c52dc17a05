"""Editing the SQLCipher outbox directly (with the key) is detected by verify-local."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent_desktop.audit.event import FIELDS
from agent_desktop.audit.recorder import AuditRecorder
from tests.integration.audit.conftest import PASSWORD, open_raw

CHANGES: dict[str, Any] = {
    "id": "018f0000-0000-7000-8000-000000000000",
    "device_id": "dev-other",
    "seq": 99,
    "ts": "2020-01-01T00:00:00.000Z",
    "actor": {"user": "someone-else", "role": "admin"},
    "action": "phi.view",
    "patient": "pat-other",
    "call_id": "call-other",
    "outcome": "denied",
    "detail": {"fields": ["billing"]},
    "prev_hash": "1" * 64,
    "hash": "2" * 64,
}
assert set(CHANGES) == set(FIELDS)


def fill(recorder: AuditRecorder) -> None:
    for i in range(5):
        recorder.record("phi.reveal", patient=f"pat-{i}", call_id=f"call-{i}",
                        detail={"fields": ["demographics"]})


def edit(vault: Any, sql: str, params: tuple[Any, ...] = ()) -> None:
    vault.lock()
    conn = open_raw(vault)
    try:
        conn.execute(sql, params)
    finally:
        conn.close()
    vault.unlock(PASSWORD)


def test_untouched_outbox_verifies(recorder: AuditRecorder) -> None:
    fill(recorder)
    result = recorder.verify_local()
    assert result.ok and result.events == 6 and result.last_seq == 6


@pytest.mark.parametrize("field", FIELDS)
def test_editing_any_field_of_a_stored_event_is_detected(field: str, recorder: AuditRecorder,
                                                         vault: Any) -> None:
    fill(recorder)
    conn = open_raw(vault)
    (body,) = conn.execute("SELECT body FROM audit_outbox WHERE seq = 4").fetchone()
    conn.close()
    event = json.loads(body)
    assert event[field] != CHANGES[field]
    event[field] = CHANGES[field]
    edit(vault, "UPDATE audit_outbox SET body = ? WHERE seq = 4",
         (json.dumps(event, sort_keys=True, separators=(",", ":")),))
    result = recorder.verify_local()
    assert not result.ok and result.problem
    assert result.broken_seq in (4, 5)  # an edited hash shows at the next link


def test_deleting_an_event_is_detected(recorder: AuditRecorder, vault: Any) -> None:
    fill(recorder)
    edit(vault, "DELETE FROM audit_outbox WHERE seq = 3")
    result = recorder.verify_local()
    assert not result.ok and result.broken_seq == 3


def test_cutting_the_newest_events_is_detected(recorder: AuditRecorder, vault: Any) -> None:
    fill(recorder)
    edit(vault, "DELETE FROM audit_outbox WHERE seq >= 5")
    result = recorder.verify_local()
    # the unlock after the edit appended seq 7 on top of the head (seq 6), so the gap shows
    assert not result.ok and result.broken_seq == 5


def test_an_unparseable_body_is_reported(recorder: AuditRecorder, vault: Any) -> None:
    fill(recorder)
    edit(vault, "UPDATE audit_outbox SET body = '{not json' WHERE seq = 2")
    result = recorder.verify_local()
    assert not result.ok and "unreadable" in (result.problem or "")
