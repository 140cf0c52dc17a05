"""Audit trail: event model, hash chain, outbox, sync."""
