"""Schema migrations for both backends, applied in order and recorded in ``schema_version``.

Statements are written once; ``{id}`` becomes the backend's auto-increment key and
``{text}`` a byte-ordered text type (timestamps and ids sort as plain strings on both).
"""

from __future__ import annotations

from agent_desktop.server.db import Database

MIGRATIONS: list[list[str]] = [
    # Add a migration for each change; never edit one that has shipped (servers ran it).
    [  # 1: tokens, devices, events, alerts, denials, agent state, monitor nonces, server log
        """CREATE TABLE tokens (
            token_hash {text} PRIMARY KEY,
            role {text} NOT NULL,
            agent_id {text}, team {text}, device_id {text}, user_role {text},
            created_at {text} NOT NULL, expires_at {text}, used_at {text}, revoked_at {text})""",
        """CREATE TABLE devices (
            device_id {text} PRIMARY KEY,
            agent_id {text} NOT NULL, role {text} NOT NULL, team {text},
            status {text} NOT NULL, enrolled_at {text} NOT NULL, revoked_at {text},
            last_seq BIGINT NOT NULL DEFAULT 0,
            last_hash {text} NOT NULL)""",
        """CREATE TABLE events (
            id {text} PRIMARY KEY,
            device_id {text} NOT NULL REFERENCES devices (device_id),
            seq BIGINT NOT NULL,
            ts {text} NOT NULL,
            actor_user {text} NOT NULL, actor_role {text} NOT NULL,
            action {text} NOT NULL, patient {text}, call_id {text},
            outcome {text} NOT NULL, detail {text} NOT NULL,
            prev_hash {text} NOT NULL, hash {text} NOT NULL,
            received_at {text} NOT NULL,
            UNIQUE (device_id, seq))""",
        "CREATE INDEX events_patient_ts ON events (patient, ts, id)",
        "CREATE INDEX events_actor_ts ON events (actor_user, ts, id)",
        "CREATE INDEX events_action_ts ON events (action, ts, id)",
        "CREATE INDEX events_ts ON events (ts, id)",
        """CREATE TABLE alerts (
            id {id}, ts {text} NOT NULL, kind {text} NOT NULL,
            device_id {text}, seq BIGINT, detail {text} NOT NULL)""",
        """CREATE TABLE denials (
            id {id}, ts {text} NOT NULL, method {text} NOT NULL, path {text} NOT NULL,
            status INTEGER NOT NULL, reason {text} NOT NULL, client {text})""",
        """CREATE TABLE agent_state (
            agent_id {text} PRIMARY KEY, team {text}, device_id {text},
            state {text} NOT NULL, updated_at {text} NOT NULL)""",
        """CREATE TABLE monitor_nonces (
            nonce {text} PRIMARY KEY, sup {text} NOT NULL, agent {text} NOT NULL,
            mode {text} NOT NULL, exp {text} NOT NULL, issued_at {text} NOT NULL)""",
        """CREATE TABLE server_log (
            id {id}, ts {text} NOT NULL, actor {text} NOT NULL, action {text} NOT NULL,
            detail {text} NOT NULL)""",
    ],
    [  # 2: presence (reason, since, address of record, last report) and escalations
        "ALTER TABLE agent_state ADD COLUMN reason {text} NOT NULL DEFAULT ''",
        "ALTER TABLE agent_state ADD COLUMN since DOUBLE PRECISION",
        "ALTER TABLE agent_state ADD COLUMN aor {text} NOT NULL DEFAULT ''",
        "ALTER TABLE agent_state ADD COLUMN seen_at DOUBLE PRECISION",
        """CREATE TABLE escalations (
            id {text} PRIMARY KEY, agent_id {text} NOT NULL, team {text}, device_id {text},
            kind {text} NOT NULL, client_ts DOUBLE PRECISION NOT NULL,
            raised_at DOUBLE PRECISION NOT NULL,
            acked_by {text}, acked_device {text}, acked_at DOUBLE PRECISION,
            UNIQUE (agent_id, kind, client_ts))""",
        "CREATE INDEX escalations_open ON escalations (team, acked_at, raised_at)",
    ],
    [  # 3: denials counted (one row per repeat), outbox heads devices report, directory reads
        "ALTER TABLE denials ADD COLUMN count INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE denials ADD COLUMN first_ts {text}",
        "ALTER TABLE devices ADD COLUMN reported_seq BIGINT",
        "ALTER TABLE devices ADD COLUMN reported_hash {text}",
        """CREATE TABLE directory_reads (
            id {id}, ts {text} NOT NULL, device_id {text} NOT NULL, agent_id {text},
            interaction {text} NOT NULL, resource_type {text} NOT NULL, patient {text})""",
        "CREATE INDEX directory_reads_patient_ts ON directory_reads (patient, ts)",
        "CREATE INDEX directory_reads_device_ts ON directory_reads (device_id, ts)",
    ],
]

_TYPES = {
    "sqlite": {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "text": "TEXT"},
    "postgresql": {"id": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "text": 'TEXT COLLATE "C"'},
}

LATEST = len(MIGRATIONS)


def current_version(db: Database) -> int:
    db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = db.one("SELECT MAX(version) FROM schema_version")
    return int(row[0]) if row and row[0] is not None else 0


def migrate(db: Database) -> int:
    """Bring the schema to :data:`LATEST`; safe when several servers start at once."""
    types = _TYPES[db.kind]
    with db.transaction():
        if db.kind == "postgresql":
            # one migrator at a time across processes
            db.execute("SELECT pg_advisory_xact_lock(4242)")
        version = current_version(db)
        for number in range(version + 1, LATEST + 1):
            for statement in MIGRATIONS[number - 1]:
                db.execute(statement.format(**types))
            db.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
    return LATEST
