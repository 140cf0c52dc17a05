"""One database interface over SQLite and PostgreSQL.

SQL is written once with ``?`` placeholders; the PostgreSQL backend rewrites them to
``%s``. Each thread gets its own connection (FastAPI runs sync endpoints on a thread pool);
writers serialise per device through the database, never through process-local locks:
SQLite takes the write lock up front (``BEGIN IMMEDIATE``), PostgreSQL locks the device row
(``SELECT ... FOR UPDATE``), and ``UNIQUE (device_id, seq)`` backs both.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent_desktop.errors import AgentDesktopError

Row = tuple[Any, ...]
EVENT_INSERT_COLUMNS = ("id", "device_id", "seq", "ts", "actor_user", "actor_role", "action", "patient",
                        "call_id", "outcome", "detail", "prev_hash", "hash", "received_at")
log = logging.getLogger(__name__)


class DatabaseError(AgentDesktopError):
    """The database URL is wrong or the database cannot be reached."""


class WriteTransaction:
    """A write transaction opened by reading one row (:meth:`Database.write_transaction`)."""

    def __init__(self, row: Row | None) -> None:
        self.row = row
        self.before_commit: list[tuple[str, tuple[Any, ...]]] = []

    def execute_before_commit(self, text: str, params: Sequence[Any]) -> None:
        """Run a statement right before the commit (sent with it, on PostgreSQL)."""
        self.before_commit.append((text, tuple(params)))


class Database:
    """A backend-neutral handle: ``execute``, ``executemany``, ``transaction``."""

    kind = ""
    # inserts take rows while the caller is still checking the next ones (a streamed COPY);
    # SQLite's inserts run in this process under the GIL, so nothing would overlap there
    streams_inserts = False
    for_update = ""  # row-lock suffix for SELECTs inside a write transaction
    integrity_errors: tuple[type[BaseException], ...] = ()
    # the database is down or busy: answered 503 so clients retry later
    unavailable_errors: tuple[type[Exception], ...] = ()

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._all: list[Any] = []
        self._all_lock = threading.Lock()

    # --- connections ----------------------------------------------------------------
    def _connect(self) -> Any:
        raise NotImplementedError

    def _usable(self, conn: Any) -> bool:
        return True

    @property
    def conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is not None and not self._usable(conn):
            # e.g. PostgreSQL restarted: drop the dead connection and open a new one
            with self._all_lock:
                if conn in self._all:
                    self._all.remove(conn)
            conn = None
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                try:
                    conn.close()
                except Exception as err:  # noqa: BLE001 - closing at shutdown; nothing left to save
                    log.debug("closing a database connection failed: %s", err.__class__.__name__)
            self._all.clear()
        self._local = threading.local()

    # --- statements -----------------------------------------------------------------
    def sql(self, text: str) -> str:
        return text

    def execute(self, text: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self.sql(text), tuple(params))

    def query(self, text: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(r) for r in self.execute(text, params).fetchall()]

    def one(self, text: str, params: Sequence[Any] = ()) -> Row | None:
        row = self.execute(text, params).fetchone()
        return tuple(row) if row is not None else None

    def executemany(self, text: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[None]:
        raise NotImplementedError
        yield

    @contextmanager
    def write_transaction(self, text: str, params: Sequence[Any]) -> Iterator[WriteTransaction]:
        """A transaction that starts by reading one row (a row-locking SELECT: append
        ``for_update``) and may leave statements to run just before its commit."""
        with self.transaction():
            tx = WriteTransaction(self.one(text, params))
            yield tx
            for statement, values in tx.before_commit:
                self.execute(statement, values)

    def insert_events(self, rows: Iterable[Row]) -> None:
        """Bulk-insert event rows (columns of ``EVENT_INSERT_COLUMNS``) inside a transaction;
        an exception raised while ``rows`` is read aborts the insert."""
        marks = ", ".join("?" for _ in EVENT_INSERT_COLUMNS)
        self.executemany(f"INSERT INTO events ({', '.join(EVENT_INSERT_COLUMNS)}) VALUES ({marks})", rows)


class SQLiteDatabase(Database):
    kind = "sqlite"
    integrity_errors = (sqlite3.IntegrityError,)
    unavailable_errors = (sqlite3.OperationalError, DatabaseError)  # locked too long, disk full...

    def __init__(self, url: str, path: Path) -> None:
        super().__init__(url)
        self.path = path
        self._private()

    def _private(self) -> None:
        """The database and its -wal/-shm files readable by the server's user only (SQLite
        creates -wal and -shm with the database file's mode, so creating that 0600 suffices;
        files made by an older version are narrowed). Once, before any connection: closing a
        descriptor of the file would drop every SQLite lock this process holds on it."""
        try:
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))
            for suffix in ("", "-wal", "-shm"):
                path = Path(str(self.path) + suffix)
                if path.exists() and path.stat().st_mode & 0o077:
                    path.chmod(0o600)
        except OSError as err:
            raise DatabaseError(f"cannot create SQLite database {self.path}: {err.strerror}",
                                "Check the path and that its folder exists and is writable.") from err

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
            # an acknowledged (receipted) event must be on disk
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as err:
            raise DatabaseError(f"cannot open SQLite database {self.path}: {err}",
                                "Check the path and that its folder exists and is writable.") from err
        return conn

    def executemany(self, text: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(text, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


class PostgresDatabase(Database):
    kind = "postgresql"
    for_update = " FOR UPDATE"
    streams_inserts = True

    def __init__(self, url: str) -> None:
        super().__init__(url)
        import psycopg

        self._psycopg = psycopg
        self.integrity_errors = (psycopg.errors.IntegrityError,)
        self.unavailable_errors = (psycopg.OperationalError, DatabaseError)

    def _connect(self) -> Any:
        try:
            return self._psycopg.connect(self.url, autocommit=True)
        except self._psycopg.Error as err:
            raise DatabaseError(f"cannot connect to PostgreSQL: {err.__class__.__name__}",
                                "Check the --db URL, that the server runs and accepts this user.") from err

    def _usable(self, conn: Any) -> bool:
        return not (conn.closed or conn.broken)

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def executemany(self, text: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(self.sql(text), list(rows))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    @contextmanager
    def write_transaction(self, text: str, params: Sequence[Any]) -> Iterator[WriteTransaction]:
        # BEGIN goes with the first read and the last statements with COMMIT, in one round
        # trip each (pipeline mode): two round trips fewer per batch than one each
        if not self._psycopg.Pipeline.is_supported():  # libpq before 14
            with super().write_transaction(text, params) as tx:
                yield tx
            return
        conn = self.conn
        try:
            with conn.pipeline():
                conn.execute("BEGIN")
                row = conn.execute(self.sql(text), tuple(params)).fetchone()
            tx = WriteTransaction(None if row is None else tuple(row))
            yield tx
            with conn.pipeline():
                for statement, values in tx.before_commit:
                    conn.execute(self.sql(statement), values)
                conn.execute("COMMIT")
        except BaseException:
            if not conn.broken and conn.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
            raise

    def insert_events(self, rows: Iterable[Row]) -> None:
        # COPY: PostgreSQL's own bulk path; constraints still apply (a duplicate id raises).
        # Rows go out as they come (psycopg sends every 32 KB), so the server stores while the
        # caller checks; an exception from ``rows`` ends the COPY with an error (rolled back).
        with self.conn.cursor() as cur, cur.copy(
                f"COPY events ({', '.join(EVENT_INSERT_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def open_database(url: str) -> Database:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or ``postgresql://...``."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        raw = url[len("sqlite://"):]
        if not raw.startswith("/") or raw == "/":
            raise DatabaseError(f"bad SQLite URL {url!r}",
                                "Use sqlite:///relative/path.db or sqlite:////absolute/path.db.")
        path = Path(raw[1:])
        if not path.parent.exists():
            raise DatabaseError(f"folder {path.parent} does not exist", "Create it first.")
        return SQLiteDatabase(url, path)
    if scheme in ("postgresql", "postgres"):
        return PostgresDatabase(url)
    raise DatabaseError(f"unsupported database URL scheme {scheme!r}",
                        "Use sqlite:///path/audit.db or postgresql://user@host/db.")
