"""While a patient's record is loaded for a call, a bare name or identifier in a log line is
masked; when the call ends, the values leave the redactor (nothing of the record stays)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from agent_desktop.bus import EventBus
from agent_desktop.logs.redact import REDACTOR, Redactor
from agent_desktop.logs.setup import RedactingFormatter
from agent_desktop.verify.session import VerificationService
from tests.unit.verify.people import ROSA_RECORD, TODAY

# names no other test loads: the redactor is process-wide, and sessions elsewhere may still
# hold Rosa's
ZEB = replace(ROSA_RECORD, id="pat-zeb", person=replace(
    ROSA_RECORD.person, given=("Zebulon",), family=("Quixotl", "Varga"), passcode="nightjar"),
    representatives=(replace(ROSA_RECORD.representatives[0], person=replace(
        ROSA_RECORD.representatives[0].person, given=("Ilse",), family=("Quixotl",))),))


class Recorder:
    def record(self, action: str, **fields: Any) -> dict[str, Any]:
        return {"seq": 1, "action": action}

    def guard(self, action: str = "phi.reveal", **fields: Any) -> Any:  # pragma: no cover
        raise AssertionError("nothing is revealed here")


class Settings:
    def get(self, name: str) -> Any:
        return {"verification.script": "default", "verification.flag_window_hours": 72,
                "verification.flag_after_failures": 3}[name]


def _line(text: str) -> str:
    record = logging.LogRecord("agent_desktop.test", logging.INFO, __file__, 1, text, None, None)
    return RedactingFormatter("%(message)s").format(record)


def test_a_loaded_patients_names_are_masked_in_logs_until_the_call_ends() -> None:
    before = REDACTOR.literal_count()
    service = VerificationService(Settings(), Recorder(), vault=None, bus=EventBus(),  # type: ignore[arg-type]
                                  today=lambda: TODAY)
    line = "caller said Zebulon Quixotl then varga; nightjar; rel Ilse; zebulonia split"
    assert _line(line) == line
    session = service.start("patient", ZEB, "agent", call_id="call-9")
    masked = _line(line)
    for value in ("Zebulon ", "Quixotl", "varga", "nightjar", "Ilse"):
        assert value not in masked, masked
    assert "zebulonia split" in masked  # whole words only
    service.end_call("call-9")
    assert REDACTOR.literal_count() == before
    assert _line(line) == line
    session.close()  # idempotent
    assert REDACTOR.literal_count() == before


def test_a_lock_drops_the_names_with_the_record_and_mask_names_restores_them() -> None:
    from agent_desktop.vault.events import VaultLocked

    before = REDACTOR.literal_count()
    bus = EventBus()
    service = VerificationService(Settings(), Recorder(), vault=None, bus=bus,  # type: ignore[arg-type]
                                  today=lambda: TODAY)
    session = service.start("patient", ZEB, "agent", call_id="call-10")
    assert REDACTOR.literal_count() > before and _line("Zebulon") == "[redacted]"
    bus.publish(VaultLocked("p", "idle"))
    assert REDACTOR.literal_count() == before and _line("Zebulon") == "Zebulon"
    session.mask_names()  # the record reloaded after unlock
    assert _line("Zebulon") == "[redacted]"
    service.end_call("call-10")
    assert REDACTOR.literal_count() == before


def test_a_value_shared_by_two_open_records_stays_masked_until_both_close() -> None:
    r = Redactor()
    r.add_literal("Ortega")
    r.add_literal("Ortega")
    r.remove_literal("Ortega")
    assert r.redact("Ortega called") == "[redacted] called"
    r.remove_literal("Ortega")
    assert r.redact("Ortega called") == "Ortega called"
    with r.literals(["Martínez"]):
        assert r.redact("sra. martínez") == "sra. [redacted]"
    assert r.literal_count() == 0
