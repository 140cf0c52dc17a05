"""The one thread that owns the SQLCipher connection, and a periodic job runner."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class VaultWorker:
    """A single-thread executor: sqlite connections must stay on the thread that made them.

    ThreadPoolExecutor(max_workers=1) keeps its one thread for its whole life, so every
    job runs on the same thread; ``on_thread`` lets the vault avoid waiting on itself.
    """

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.ident: int = self._executor.submit(threading.get_ident).result()

    def on_thread(self) -> bool:
        return threading.get_ident() == self.ident

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Queue ``fn``; from the worker itself it runs inline (waiting on a job queued
        behind the running one would deadlock the vault)."""
        if self.on_thread():
            inline: Future[T] = Future()
            try:
                inline.set_result(fn(*args))
            except BaseException as err:  # noqa: BLE001 - handed to the caller via the future
                inline.set_exception(err)
            return inline
        return self._executor.submit(fn, *args)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` on the worker and wait (inline when already on it)."""
        if self.on_thread():
            return fn(*args)
        return self._executor.submit(fn, *args).result()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)


class Periodic:
    """Calls ``job`` every ``interval`` seconds on a daemon thread until stopped."""

    def __init__(self, interval: float, job: Callable[[], object], name: str) -> None:
        self._interval = interval
        self._job = job
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Periodic:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._job()
            except Exception:  # logged; the next round retries
                log.exception("periodic vault job failed")
