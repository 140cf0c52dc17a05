"""The op runner and the GUI-thread guard: results and errors reach the caller's executor."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from agent_desktop.app.ops import (
    BlockingCallOnGuiThread,
    GuiThreadGuard,
    ImmediateExecutor,
    OpRunner,
    UnexpectedError,
    blocking,
)
from agent_desktop.errors import AgentDesktopError


class Thing:
    def __init__(self) -> None:
        self.guard = GuiThreadGuard()

    @blocking
    def slow(self, x: int) -> int:
        return x * 2


def test_a_blocking_method_raises_on_the_thread_marked_as_gui() -> None:
    thing = Thing()
    assert thing.slow(2) == 4  # nothing marked yet
    thing.guard.mark()
    with pytest.raises(BlockingCallOnGuiThread, match="slow"):
        thing.slow(2)
    with ThreadPoolExecutor(1) as pool:  # any other thread may call it
        assert pool.submit(thing.slow, 3).result() == 6


class ConsumerThread:
    """An executor with one named thread, like the GUI's event loop."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="consumer")
        self.ran_on: list[str] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> None:
        def run() -> None:
            self.ran_on.append(threading.current_thread().name)
            fn(*args)

        self.pool.submit(run)


def test_results_and_person_errors_are_delivered_on_the_callers_executor() -> None:
    runner = OpRunner()
    consumer = ConsumerThread()
    got: list[Any] = []
    done = threading.Event()

    def failing() -> None:
        raise AgentDesktopError("The vault is locked.", "Unlock it.")

    def crashing() -> None:
        raise KeyError("secret-looking text")

    runner.run(lambda: 42, deliver=consumer, on_done=got.append)
    runner.run(failing, deliver=consumer, on_error=got.append)
    runner.run(crashing, deliver=consumer, on_error=lambda e: (got.append(e), done.set()))
    assert done.wait(5)
    consumer.pool.shutdown(wait=True)
    runner.shutdown()
    assert got[0] == 42
    assert isinstance(got[1], AgentDesktopError) and got[1].hint == "Unlock it."
    assert isinstance(got[2], UnexpectedError) and "KeyError" in got[2].message
    assert "secret-looking" not in str(got[2])  # an exception's own text may quote data
    assert all(name.startswith("consumer") for name in consumer.ran_on)


def test_immediate_executor_runs_the_callback_on_the_finishing_thread() -> None:
    runner = OpRunner()
    where: list[str] = []
    go = threading.Event()
    future = runner.run(go.wait, 5, deliver=ImmediateExecutor(),
                        on_done=lambda _: where.append(threading.current_thread().name))
    go.set()  # the op finishes after the callback is attached, on the pool's thread
    future.result(5)
    runner.shutdown()
    assert where and where[0].startswith("ws-op")
