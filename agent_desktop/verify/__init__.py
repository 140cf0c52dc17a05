"""Guided identity verification: scripts (data), matchers and a pure state machine.

Nothing here does I/O or imports Qt; ``session`` (the thin service layer) turns the
engine's steps into audit events and guards each field-group reveal.
"""

# The verification tables are a vault migration: importing verify registers it.
from agent_desktop.verify import storage_schema as _storage_schema  # noqa: F401
from agent_desktop.verify.engine import (
    AccessRequest,
    AnswerResult,
    PendingConsent,
    Prompt,
    Status,
    Step,
    Verification,
    VerifyError,
)
from agent_desktop.verify.record import PatientRecord, Person, RecordError, Representative
from agent_desktop.verify.script import FIELD_GROUPS, Script, ScriptError, load_script

__all__ = [
    "FIELD_GROUPS",
    "AccessRequest",
    "AnswerResult",
    "PatientRecord",
    "PendingConsent",
    "Person",
    "Prompt",
    "RecordError",
    "Representative",
    "Script",
    "ScriptError",
    "Status",
    "Step",
    "Verification",
    "VerifyError",
    "load_script",
]
