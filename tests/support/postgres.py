"""A throwaway PostgreSQL cluster for tests and benchmarks (Debian's `postgresql` package).

``AGENT_DESKTOP_TEST_POSTGRES_URL`` (a role allowed to CREATE DATABASE) is used instead when
set. Otherwise ``initdb`` makes a cluster in a temporary folder owned by the ``postgres``
user (PostgreSQL refuses to run as root), listening on a free loopback port with its socket
in that folder; ``stop()`` shuts it down and deletes it. Missing binaries are a failure,
never a skip: CI must exercise PostgreSQL.

    from tests.support.postgres import postgres  # session fixture, in your conftest.py
    url = postgres.create_database()             # a fresh, empty database per test
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.support.ports import free_port, wait_for_port

ENV_URL = "AGENT_DESKTOP_TEST_POSTGRES_URL"


class PostgresUnavailable(RuntimeError):
    pass


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not found:
        raise PostgresUnavailable(
            "PostgreSQL binaries not found (/usr/lib/postgresql/*/bin/initdb): run scripts/bootstrap "
            f"(installs Debian's postgresql) or set {ENV_URL} to a server where this role may "
            "CREATE DATABASE")
    return Path(found[-1]).parent


def _as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@dataclass
class PostgresCluster:
    admin_url: str
    directory: Path | None = None
    bin_dir: Path | None = None
    created: list[str] = field(default_factory=list)

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = name or "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        parts = urlsplit(self.admin_url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))

    def restart(self) -> None:
        """Restart the server (connections drop); only for a cluster this module started."""
        if self.directory is None or self.bin_dir is None:
            raise PostgresUnavailable(f"cannot restart a server given by {ENV_URL}")
        # -l: the postmaster must not inherit our pipes, or run() waits for it to exit
        subprocess.run(_as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.directory / "data"),
                                     "-l", str(self.directory / "postgres.log"), "-m", "fast", "-w",
                                     "restart"]),
                       capture_output=True, timeout=120, check=True)

    def stop(self) -> None:
        if self.directory is None or self.bin_dir is None:
            # a server we were given: leave it as we found it
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                for name in self.created:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.created.clear()
            return
        subprocess.run(_as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.directory / "data"),
                                     "-m", "fast", "-w", "stop"]),
                       capture_output=True, timeout=60, check=False)
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None


def start_cluster(fast: bool = True) -> PostgresCluster:
    """``fast`` turns fsync off (tests); benchmarks keep PostgreSQL's durable defaults."""
    env_url = os.environ.get(ENV_URL)
    if env_url:
        return PostgresCluster(admin_url=env_url)
    bin_dir = _bin_dir()
    directory = Path(tempfile.mkdtemp(prefix="agent-desktop-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    data = directory / "data"
    port = free_port()
    try:
        subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                                     "--auth=trust", "--encoding=UTF8", "--locale=C"]),
                       capture_output=True, timeout=120, check=True)
        options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if fast:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-l",
                                     str(directory / "postgres.log"), "-o", options, "-w", "start"]),
                       capture_output=True, timeout=120, check=True)
        wait_for_port(port)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, TimeoutError) as err:
        log = (directory / "postgres.log")
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        stderr = getattr(err, "stderr", b"") or b""
        shutil.rmtree(directory, ignore_errors=True)
        raise PostgresUnavailable(f"could not start a test PostgreSQL: {err}\n"
                                  f"{stderr.decode(errors='replace')}\n{detail}") from err
    return PostgresCluster(admin_url=f"postgresql://postgres@127.0.0.1:{port}/postgres",
                           directory=directory, bin_dir=bin_dir)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    try:
        cluster = start_cluster()
    except PostgresUnavailable as err:
        pytest.fail(str(err))
    try:
        yield cluster
    finally:
        cluster.stop()
