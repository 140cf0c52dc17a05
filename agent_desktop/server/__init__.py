"""The central audit server (optional extra ``agent-desktop[server]``).

Modules: ``db`` (SQLite/PostgreSQL connections and transactions), ``migrations``,
``tokens``, ``keys`` (Ed25519 receipt key), ``ingest`` (chain-verified, idempotent batches),
``queries`` and ``reports`` (auditors), ``monitor`` (team-lead grants), ``retention``,
``auth`` (FastAPI dependencies) and ``app`` (the FastAPI application).
Only ``app``, ``auth`` and the CLI's ``server`` command import FastAPI.
"""
