"""Keep a verification's progress across a vault lock without keeping the patient's data.

A lock drops every PHI reference. What survives is PHI-free: the steps already taken, the
attempts and failures counted, the caller type and the patient and representative
references. After unlock the record is reloaded (vault cache or directory) and attached
again, so the agent resumes where they were instead of asking the caller twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent_desktop.verify.engine import Verification, VerifyError
from agent_desktop.verify.record import PatientRecord


@dataclass(frozen=True)
class Suspension:
    patient: str
    representative: str | None


def suspend(verification: Verification) -> Suspension:
    """Drop the record and every person it holds; returns what is needed to resume."""
    rep = verification.representative
    held = Suspension(verification.record.id, rep.id if rep is not None else None)
    verification.record = None  # type: ignore[assignment]
    verification.representative = None
    stage: Any
    for stage in verification._stages:
        stage.person = None
    return held


def resume(verification: Verification, held: Suspension, record: PatientRecord) -> None:
    """Attach the reloaded ``record``; refuses a record of another patient."""
    if record.id != held.patient:
        raise VerifyError("the reloaded record belongs to another patient",
                          "Start the verification again for this caller.")
    verification.record = record
    rep = record.representative(held.representative) if held.representative else None
    if held.representative and rep is None:
        raise VerifyError("the representative is no longer on file for this patient",
                          "Start the verification again for this caller.")
    verification.representative = rep
    stage: Any
    for stage in verification._stages:
        stage.person = rep.person if stage.name == "caller" and rep is not None else record.person


def suspended(verification: Verification) -> bool:
    return verification.record is None
