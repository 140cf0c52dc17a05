"""Running blocking workstation work off the caller's thread.

The concurrency contract the GUI lives by (docs/app.md has the whole thread table):

- Every workstation method that may block (keyring, scrypt, a vault commit, HTTP, a SIP
  command that waits) is marked :func:`blocking`. Called on the thread marked as the GUI
  thread it raises :class:`BlockingCallOnGuiThread` instead of freezing the window.
- :meth:`OpRunner.run` runs such a method on the workstation's own pool and hands the
  result, or the error as an :class:`AgentDesktopError` with message and hint, to callbacks
  on an executor the caller passes (the GUI passes one that posts to the Qt thread, tests
  :class:`ImmediateExecutor`). Like Anki's ``CollectionOp``: the caller never waits.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, Protocol, TypeVar

from agent_desktop.errors import AgentDesktopError

log = logging.getLogger(__name__)
T = TypeVar("T")
P = ParamSpec("P")


class Deliver(Protocol):
    """Where callbacks run: anything with ``submit(fn, *args)`` (a concurrent.futures
    Executor, the GUI's post-to-Qt executor, :class:`ImmediateExecutor`)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any: ...


class ImmediateExecutor:
    """Runs the callback at once on the thread that finished the work (tests, CLI)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> None:
        fn(*args)


class BlockingCallOnGuiThread(AgentDesktopError):
    """A blocking workstation call was made on the GUI thread (a programming error)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}() may block and was called on the GUI thread.",
                         "Run it through the op runner (Workstation.ops.run) instead.")


class UnexpectedError(AgentDesktopError):
    """Wraps an exception that carries no message for a person."""


class GuiThreadGuard:
    """Knows which thread is the GUI thread; :func:`blocking` methods consult it."""

    def __init__(self) -> None:
        self._ident: int | None = None

    def mark(self, ident: int | None = None) -> None:
        self._ident = threading.get_ident() if ident is None else ident

    def clear(self) -> None:
        self._ident = None

    def check(self, what: str) -> None:
        if self._ident is not None and threading.get_ident() == self._ident:
            raise BlockingCallOnGuiThread(what)


class _Guarded(Protocol):
    guard: GuiThreadGuard


def blocking(fn: Callable[P, T]) -> Callable[P, T]:
    """Mark a method of an object with a ``guard`` as one that may block."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        owner: Any = args[0]
        owner.guard.check(fn.__name__)
        return fn(*args, **kwargs)

    wrapper.__blocking__ = True  # type: ignore[attr-defined]
    return wrapper


def as_person_error(err: BaseException) -> AgentDesktopError:
    """The error as something a dialog can show: message and hint, never a bare traceback."""
    if isinstance(err, AgentDesktopError):
        return err
    if isinstance(err, TimeoutError):
        return UnexpectedError("The workstation did not answer in time.",
                               "Try again; if it keeps happening, restart Agent Desktop.")
    # The type only: an exception's text may quote data it was handed.
    log.error("unexpected %s in a workstation operation", type(err).__name__,
              exc_info=(type(err), err, err.__traceback__))
    return UnexpectedError(f"An unexpected problem ({type(err).__name__}) stopped this action.",
                           "Try again; if it happens again, send the log file to IT.")


class OpRunner:
    """The workstation's pool for blocking operations started from the GUI."""

    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ws-op")

    def run(self, fn: Callable[..., T], *args: Any, deliver: Deliver,
            on_done: Callable[[T], None] | None = None,
            on_error: Callable[[AgentDesktopError], None] | None = None, **kwargs: Any) -> Future[T]:
        """Run ``fn(*args, **kwargs)`` on the pool; callbacks go through ``deliver``."""
        future = self._pool.submit(fn, *args, **kwargs)
        return self.follow(future, deliver=deliver, on_done=on_done, on_error=on_error)

    @staticmethod
    def follow(future: Future[T], *, deliver: Deliver, on_done: Callable[[T], None] | None = None,
               on_error: Callable[[AgentDesktopError], None] | None = None) -> Future[T]:
        """Deliver the outcome of a future someone else runs (e.g. a Phone command)."""

        def finished(f: Future[T]) -> None:
            if f.cancelled():
                return
            err = f.exception()
            if err is not None:
                if on_error is not None:
                    deliver.submit(on_error, as_person_error(err))
                else:
                    as_person_error(err)  # logged when unexpected
            elif on_done is not None:
                deliver.submit(on_done, f.result())

        future.add_done_callback(finished)
        return future

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
