"""The application's process in ``bench.startup``'s session: ``agent-desktop`` itself (its
command-line entry, the launcher, the shell), driven through its widgets like a person.

    python -m bench.startup_driver   (AGENT_DESKTOP_HOME and AGENT_DESKTOP_POLICY set)

The first line on stdin is the vault password; later lines are commands from the bench:
``available`` (the Available shortcut), ``answer`` (click Answer on the ringing call),
``watch SECONDS HANGUP_AT`` (measure the event loop's longest stall for SECONDS, clicking
Hang up HANGUP_AT seconds in) and ``quit``. Each result is one JSON object per line on
stdout.

``main_window_ms`` runs from the vault's key being derived and the vault open
(``VaultUnlocked``, published by the unlock right after the KDF) to the workspace page
shown, its first frame painted and the event loop idle again (a zero timer queued after
that paint has run). In between: the workstation's bring-up (pjsua2 loaded, the endpoint
started, REGISTER over TLS answered, the directory and the audit sync started) and the
shell switching pages.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QPushButton

import ui.app
from agent_desktop.cli.main import main as cli


def say(**row: Any) -> None:
    print(json.dumps(row), flush=True)


class Driver(QObject):
    command = Signal(str)  # from the stdin reader thread, queued to the GUI thread

    def __init__(self, window: Any, password: str) -> None:
        super().__init__(window)
        self.window = window
        self.password = password
        self.shell: Any = None
        self.t_key = 0.0
        self.t_click = 0.0
        self.command.connect(self._command)
        self._poll = QTimer(self)
        self._poll.timeout.connect(self._try_unlock)
        self._poll.start(10)
        self._ticks: list[float] = []
        self._tick_timer: QTimer | None = None

    def _launcher(self) -> Any:
        return next(c for c in self.window.children() if isinstance(c, ui.app.Launcher))

    def _try_unlock(self) -> None:
        from agent_desktop.vault.events import VaultUnlocked

        shell = self._launcher().shell
        sign_in = self.window.sign_in
        if shell is None or sign_in.current_page() is not sign_in.unlock_page:
            return
        sign_in.form.password.setText(self.password)
        if not sign_in.form.button.isEnabled():
            return  # busy or throttled: the next poll tries again
        self._poll.stop()
        self.shell = shell
        shell.ws.bus.subscribe(VaultUnlocked, lambda e: setattr(self, "t_key", time.perf_counter()))
        self.window.stack.currentChanged.connect(self._page_changed)
        self.t_click = time.perf_counter()
        sign_in.form.button.click()

    def _page_changed(self, _index: int) -> None:
        if self.window.page() is self.window.workspace:
            self.window.stack.currentChanged.disconnect(self._page_changed)
            self.window.workspace.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._ready)
        return False

    def _ready(self) -> None:
        now = time.perf_counter()
        reg = self.shell.ws.phone.registration if self.shell.ws.phone is not None else None
        say(ev="ready", main_window_ms=(now - self.t_key) * 1000, click_to_ready_ms=(now - self.t_click) * 1000,
            kdf_and_open_ms=(self.t_key - self.t_click) * 1000, registration=str(reg.state) if reg else "none",
            pid=os.getpid(), modules=len(sys.modules), threads=threading.active_count(),
            agent_state=str(self.shell.ws.status.status.state))

    def _button(self, name: str) -> QPushButton | None:
        button = self.window.findChild(QPushButton, name)
        return button if isinstance(button, QPushButton) and button.isVisible() and button.isEnabled() else None

    def _command(self, line: str) -> None:
        words = line.split()
        if not words:
            return
        if words[0] == "available":
            self.window.actions_by_name["available"].trigger()  # the agent's Available shortcut
            self._available(time.monotonic() + 30)
        elif words[0] == "answer":
            self._answer(time.monotonic() + 30)
        elif words[0] == "watch":
            self._watch(float(words[1]), float(words[2]))
        elif words[0] == "quit":
            self.shell.quit()

    def _available(self, deadline: float) -> None:
        state = str(self.shell.ws.status.status.state)
        if state == "available":
            say(ev="available")
        elif time.monotonic() > deadline:
            say(ev="error", what=f"still {state}, not available")
        else:
            QTimer.singleShot(20, lambda: self._available(deadline))

    def _answer(self, deadline: float) -> None:
        button = self._button("call_answer")
        if button is None:
            if time.monotonic() > deadline:
                shown = [b.objectName() or b.text() for b in self.window.findChildren(QPushButton)
                         if b.isVisible() and b.isEnabled()]
                say(ev="error", what="no call to answer", buttons=shown, page=type(self.window.page()).__name__)
                return
            QTimer.singleShot(20, lambda: self._answer(deadline))
            return
        button.click()
        self._answered(time.monotonic() + 30)

    def _answered(self, deadline: float) -> None:
        if self._button("call_hangup") is not None and self._button("call_answer") is None:
            say(ev="answered")
        elif time.monotonic() > deadline:
            say(ev="error", what="the call did not connect")
        else:
            QTimer.singleShot(20, lambda: self._answered(deadline))

    def _watch(self, seconds: float, hangup_at: float) -> None:
        """Tick every 5 ms (a precise timer); the longest gap between ticks, less the
        interval, is the longest time the event loop could not serve the agent."""
        self._ticks = [time.perf_counter()]
        self._cpu = [time.thread_time()]  # the GUI thread's own CPU: busy, or waiting (GIL, the scheduler)?
        self._proc = [time.process_time()]  # all threads': another thread busy (the GIL), or none (load)
        self._hung_up_at = 0.0
        timer = QTimer(self)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(5)
        timer.timeout.connect(self._tick)
        timer.start()
        self._tick_timer = timer
        QTimer.singleShot(int(hangup_at * 1000), self._hang_up)
        QTimer.singleShot(int(seconds * 1000), self._watched)

    def _tick(self) -> None:
        self._ticks.append(time.perf_counter())
        self._cpu.append(time.thread_time())
        self._proc.append(time.process_time())

    def _hang_up(self) -> None:
        self._hung_up_at = time.perf_counter()
        button = self._button("call_hangup")
        if button is not None:
            button.click()
        say(ev="hung_up", clicked=button is not None)

    def _watched(self) -> None:
        assert self._tick_timer is not None
        self._tick_timer.stop()
        ticks, cpu = self._ticks, self._cpu
        gaps = [(b - a) * 1000 for a, b in zip(ticks, ticks[1:], strict=False)]
        worst = max(range(len(gaps)), key=gaps.__getitem__)
        say(ev="stall", max_ms=gaps[worst] - 5, ticks=len(ticks), over_50=sum(1 for g in gaps if g - 5 > 50),
            worst_gui_cpu_ms=round((cpu[worst + 1] - cpu[worst]) * 1000, 1),
            worst_process_cpu_ms=round((self._proc[worst + 1] - self._proc[worst]) * 1000, 1),
            worst_after_hangup_ms=round((ticks[worst] - self._hung_up_at) * 1000))


def main() -> int:
    password = sys.stdin.readline().rstrip("\n")

    def painted(window: Any) -> None:
        say(ev="painted", pjsua2="pjsua2" in sys.modules)
        driver = Driver(window, password)

        def read() -> None:
            for line in sys.stdin:
                driver.command.emit(line.strip())

        threading.Thread(target=read, name="bench-commands", daemon=True).start()

    ui.app.PAINTED.append(painted)
    return cli([])


if __name__ == "__main__":
    sys.exit(main())
