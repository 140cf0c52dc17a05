"""Audit trail: event model, hash chain, outbox, sync."""

# The outbox's tables are a vault migration: importing any part of the audit trail registers it.
from agent_desktop.audit import outbox_schema as _outbox_schema  # noqa: F401
