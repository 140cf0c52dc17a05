"""The Secret Service is spoken to over one connection per process that opens a session
before anything else: gnome-keyring aborts when a new caller's first message is a property
read that overtakes its registration, which is what keyring's own backend sends."""

from __future__ import annotations

import threading
from typing import Any

import keyring.errors
import pytest

from agent_desktop.vault.secret_service import SecretServiceConnection


class FakeConn:
    def __init__(self, number: int, bus: FakeBus) -> None:
        self.number = number
        self.bus = bus

    def close(self) -> None:
        self.bus.closed.append(self.number)


class FakeBus:
    """Connections that record what was sent on them, and a service owner that can change."""

    def __init__(self) -> None:
        self.log: list[tuple[int, str]] = []
        self.owner = ":1.10"
        self.opened = 0
        self.closed: list[int] = []

    def connect(self) -> tuple[FakeConn, str]:
        self.opened += 1
        self.log.append((self.opened, "OpenSession"))
        return FakeConn(self.opened, self), f"/session/{self.opened}"

    def owner_of(self, conn: FakeConn) -> str:
        return self.owner

    def connection(self) -> SecretServiceConnection:
        return SecretServiceConnection(connect=self.connect, owner_of=self.owner_of)

    def first_messages(self) -> list[str]:
        seen: dict[int, str] = {}
        for conn, what in self.log:
            seen.setdefault(conn, what)
        return list(seen.values())


def read(bus: FakeBus) -> Any:
    def body(conn: FakeConn, session: str) -> str:
        bus.log.append((conn.number, "Get Label"))
        return session
    return body


def test_every_connection_opens_its_session_before_any_other_message() -> None:
    bus = FakeBus()
    connection = bus.connection()
    assert connection.run(read(bus)) == "/session/1"
    assert connection.run(read(bus)) == "/session/1"
    assert bus.opened == 1, "one connection serves every call"
    assert bus.first_messages() == ["OpenSession"]


def test_a_failed_call_drops_the_connection_and_the_next_one_opens_a_session_first() -> None:
    bus = FakeBus()
    connection = bus.connection()
    connection.run(read(bus))

    def broken(conn: FakeConn, session: str) -> None:
        raise ConnectionResetError("the bus went away")
    with pytest.raises(ConnectionResetError):
        connection.run(broken)
    assert connection.run(read(bus)) == "/session/2"
    assert bus.first_messages() == ["OpenSession", "OpenSession"]
    assert bus.closed == [1], "the broken connection is closed"


def test_a_missing_password_is_an_answer_not_a_broken_connection() -> None:
    bus = FakeBus()
    connection = bus.connection()

    def missing(conn: FakeConn, session: str) -> None:
        raise keyring.errors.PasswordDeleteError("No such password!")
    with pytest.raises(keyring.errors.PasswordDeleteError):
        connection.run(missing)
    connection.run(read(bus))
    assert bus.opened == 1


def test_a_restarted_service_is_met_with_a_new_connection_and_session() -> None:
    bus = FakeBus()
    connection = bus.connection()
    connection.run(read(bus))
    bus.owner = ":1.99"  # the daemon died and D-Bus started another, which never heard of us
    assert connection.run(read(bus)) == "/session/2"
    assert bus.first_messages() == ["OpenSession", "OpenSession"]


def test_calls_from_many_threads_take_turns_on_the_connection() -> None:
    bus = FakeBus()
    connection = bus.connection()
    inside = 0
    overlaps = 0
    start = threading.Barrier(8)

    def body(conn: FakeConn, session: str) -> None:
        nonlocal inside, overlaps
        inside += 1
        overlaps += inside > 1
        threading.Event().wait(0.001)  # widen the window an overlap would need
        inside -= 1

    def worker() -> None:
        start.wait()
        for _ in range(20):
            connection.run(body)
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == 0
    assert bus.opened == 1
