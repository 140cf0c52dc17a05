"""The demo's Qt-free parts that need no service: Kamailio missing, the patient it plays,
and the "who saw this patient?" report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_desktop.demo.kamailio import INSTALL_HINT, KamailioMissing, kamailio_binary
from agent_desktop.demo.runner import pick_patient
from agent_desktop.directory.synthetic import generate
from agent_desktop.server.who_saw import as_text, who_saw


def test_missing_kamailio_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(KamailioMissing) as err:
        kamailio_binary(path=str(tmp_path), sbin=(str(tmp_path),))
    assert "sudo apt-get install kamailio kamailio-tls-modules" in str(err.value)
    assert err.value.hint == INSTALL_HINT


def test_missing_tls_module_says_how_to_install_it(tmp_path: Path) -> None:
    binary = tmp_path / "kamailio"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    with pytest.raises(KamailioMissing, match="TLS module"):
        kamailio_binary(path=str(tmp_path), module_dirs=(str(tmp_path / "modules"),))


def test_the_demo_patient_is_an_adult_with_a_number_of_their_own() -> None:
    data = generate(seed=7, patients=40)
    chosen = pick_patient(data)
    digits = [("+" + "".join(c for c in t["value"] if c.isdigit())) for p in data["Patient"]
              for t in p["telecom"]]
    assert digits.count(chosen.number) == 1
    assert chosen.record.person.has("full_name") and chosen.record.person.birth_date is not None


def _event(ts: str, action: str, user: str = "agent-1", outcome: str = "success",
           **detail: object) -> dict[str, object]:
    return {"ts": ts, "action": action, "outcome": outcome, "device_id": "dev-1", "call_id": "c1",
            "actor": {"user": user, "role": "agent"}, "patient": "pat-1", "detail": detail}


def test_who_saw_lists_each_person_with_groups_and_the_trail_in_order() -> None:
    events = [
        _event("2026-12-01T10:00:03.000Z", "phi.reveal", group="appointments"),
        _event("2026-12-01T10:00:01.000Z", "verify.pass"),
        _event("2026-12-01T10:00:02.000Z", "phi.reveal", group="demographics"),
        _event("2026-12-01T11:00:00.000Z", "phi.reveal", user="agent-2", outcome="denied", group="billing"),
        _event("2026-12-01T10:00:00.000Z", "call.answer"),  # not an access: left out
    ]
    report = who_saw("pat-1", events)
    assert [e["action"] for e in report["events"]] == ["verify.pass", "phi.reveal", "phi.reveal", "phi.reveal"]
    assert report["people"] == [{"user": "agent-1", "role": "agent", "device_id": "dev-1",
                                 "first": "2026-12-01T10:00:02.000Z", "last": "2026-12-01T10:00:03.000Z",
                                 "accesses": 2, "field_groups": ["appointments", "demographics"]}]
    text = as_text(report)
    assert "agent-1 (agent) on device dev-1: 2 access(es)" in text and "denied [billing]" in text
    json.dumps(report)  # the CLI's --json


def test_nobody_saw_a_patient_without_accesses() -> None:
    assert "nobody has seen" in as_text(who_saw("pat-9", [_event("2026-12-01T10:00:00Z", "verify.fail")]))
