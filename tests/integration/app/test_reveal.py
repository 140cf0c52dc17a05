"""Revealing the field groups on a verified call, through the Workstation, every component real.

A call from the synthetic patient's number; the caller is the patient's provider office
(every group but billing). Before verification nothing may be revealed; after it, each
allowed group's data is that patient's own, fetched then, and recorded as one ``phi.reveal``
event naming the group; billing is refused and never fetched. No shown value is in the
events the outbox delivered to the audit server. Then the directory goes away: on the next
call, after a fresh verification, a group fetched earlier is shown again from the vault
(marked cached) and that view waits in the outbox like any other.
"""

from __future__ import annotations

import pytest

from agent_desktop.audit import outbox
from agent_desktop.demo.kamailio import DEFAULT_USERS
from agent_desktop.directory.groups import GROUPS_NAMESPACE, GroupData
from agent_desktop.verify.session import NotAllowed
from tests.integration.app.test_shift import ring_and_answer, server_events, view_when
from tests.support.directory_env import expected_group_values
from tests.support.workstation_env import (
    PASSWORD,
    Events,
    WorkstationEnv,
    wait_until,
    workstation_env,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.usefixtures("secret_service")
TREATMENT = ("appointments", "care_plan", "demographics", "lab_results", "medications")


def test_each_allowed_group_is_revealed_and_audited_by_name_online_and_from_the_cache(
        workstation_env: WorkstationEnv) -> None:  # noqa: F811
    from agent_desktop.phone import events as pev

    env = workstation_env
    ws = env.workstation()
    events = Events(ws.bus, pev.PhoneEvent)
    creds = ws.enroll(env.enrolment_token(agent="agent-reveal"))
    assert ws.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"]).registered
    assert ws.desk is not None
    desk = ws.desk
    caller = env.caller()
    call_id, _ = ring_and_answer(ws, env, events, caller)
    assert view_when(ws, call_id, lambda v: v.lookup != "pending").lookup == "found"
    patient = env.patient
    desk.start_verification(call_id, patient.id, "provider_office")

    def cached_groups() -> set[str]:
        rows = ws.vault.submit(lambda c: c.execute(
            "SELECT key FROM phi_cache WHERE namespace = ?", (GROUPS_NAMESPACE,)).fetchall()).result(10)
        return {str(key).split(":", 1)[1] for (key,) in rows}

    with pytest.raises(NotAllowed):  # not verified yet: nothing may be revealed, nor fetched
        desk.reveal(call_id, "medications")
    assert cached_groups() == set()

    person = patient.person
    assert person.birth_date is not None and person.member_id
    desk.answer(call_id, "full_name", " ".join(person.given + person.family))
    desk.answer(call_id, "date_of_birth", person.birth_date.isoformat())
    desk.answer(call_id, "member_id", person.member_id)
    view = desk.view(call_id)
    assert view.verification == "verified" and view.groups == TREATMENT

    shown: dict[str, GroupData] = {group: desk.reveal(call_id, group) for group in view.groups}
    for group, data in shown.items():
        field, expected = expected_group_values(env.directory, group, patient.id)
        assert (data.patient_id, data.cached) == (patient.id, False)
        assert {r.value(field) for r in data.rows if r.value(field)} == expected, group
    with pytest.raises(NotAllowed):
        desk.reveal(call_id, "billing")  # a provider office never hears billing
    assert cached_groups() == set(TREATMENT)  # billing was never fetched

    ws.phone.hangup(call_id).result(10)
    ws.wait_calls_handled()
    ws.sync_now()  # synced events leave the outbox: read them where they arrived
    wait_until(lambda: ws.unsynced_events() == 0, timeout=30, what="every event synced")
    stored = sorted(server_events(env, creds.device_id), key=lambda e: int(str(e["seq"])))
    reveals = [e for e in stored if e["action"] == "phi.reveal" and e.get("call_id") == call_id]
    assert [(e["detail"]["group"], e["outcome"]) for e in reveals] == [
        ("medications", "denied"), *[(g, "success") for g in TREATMENT], ("billing", "denied")]
    assert all(e["patient"] == patient.id for e in reveals)
    outbox_text = repr(stored)
    values = {v for data in shown.values() for row in data.rows for v in row.texts() if len(v) >= 8}
    assert len(values) > 10 and [v for v in values if v in outbox_text] == []

    # --- offline: a fresh verification re-views what was cached, each view audited ------------
    env.server.stop()  # the audit server and the directory
    events.clear()
    call_id, _ = ring_and_answer(ws, env, events, caller)
    assert view_when(ws, call_id, lambda v: v.lookup != "pending").cached
    desk.start_verification(call_id, patient.id, "provider_office")
    desk.answer(call_id, "full_name", " ".join(person.given + person.family))
    desk.answer(call_id, "date_of_birth", person.birth_date.isoformat())
    desk.answer(call_id, "member_id", person.member_id)
    again = desk.reveal(call_id, "medications")
    assert again.cached and again.lines == shown["medications"].lines
    ws.phone.hangup(call_id).result(10)
    ws.wait_calls_handled()
    queued = ws.vault.submit(lambda c: list(outbox.stored_events(c))).result(10)
    assert [(e["detail"]["group"], e["outcome"]) for e in queued
            if e["action"] == "phi.reveal" and e.get("call_id") == call_id] == [("medications", "success")]
    assert [v for v in values if v in repr(queued)] == []
    caller.close()
    events.close()
