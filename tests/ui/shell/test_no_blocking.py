"""With the audit server and the SIP registrar stalled (they accept connections and never
answer), signing in keeps the event loop serving, and no blocking call runs on the GUI thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from agent_desktop.app.events import WorkstationState
from tests.support.shell_env import PASSWORD, ShellEnv

MakeShell = Callable[..., Any]


@pytest.fixture
def stalled() -> Iterator[int]:
    """A TCP port whose connections complete in the kernel's backlog and then hear nothing."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@pytest.mark.slow  # ~20 s: the workstation waits its full READY_TIMEOUT for the stalled registrar
def test_sign_in_with_stalled_servers_never_blocks_the_gui_thread(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot, stalled: int) -> None:
    env.workstation(enrolled=True, vault=True, profile="stalled-agent")
    settings = env.settings({"sip.registrar": f"sips:127.0.0.1:{stalled}"},
                            server_url=f"https://localhost:{stalled}")
    ws = env.workstation(profile="stalled-agent", settings=settings)
    assert ws.state is WorkstationState.LOCKED
    shell = make_shell(ws)
    gui = threading.get_ident()
    checks: list[tuple[str, bool]] = []
    original = ws.guard.check

    def spy(what: str) -> None:
        checks.append((what, threading.get_ident() == gui))
        original(what)

    ws.guard.check = spy  # type: ignore[method-assign]
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()

    shell.unlock(PASSWORD)
    qtbot.waitUntil(lambda: ws.state is WorkstationState.UNLOCKING, timeout=10_000)
    served = len(ticks)
    posted: list[int] = []
    for i in range(20):
        shell.ops.deliver.submit(posted.append, i)
    # the registrar is stalled: bring-up waits on it, off the GUI thread, while we keep serving
    qtbot.waitUntil(lambda: len(ticks) >= served + 25 and len(posted) == 20, timeout=10_000)
    assert shell.ops.busy and ws.state is WorkstationState.UNLOCKING
    assert shell.window.sign_in.form.button.text() == "Unlocking…"

    qtbot.waitUntil(lambda: shell.window.page() is shell.window.workspace, timeout=60_000)
    qtbot.waitUntil(lambda: shell.window.banner.isVisible(), timeout=5_000)
    assert "did not register" in shell.window.banner.text.text()
    timer.stop()
    assert ("unlock", False) in checks  # the blocking call ran, on the op runner
    assert [what for what, on_gui in checks if on_gui] == []
