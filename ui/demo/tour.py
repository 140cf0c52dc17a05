"""On a virtual screen nobody clicks: the tour plays the agent on the real call workspace
(answer, pick the record, verify, show two field groups, hang up, wrap up), opens the
banner's "Who saw this patient?", locks, and saves a screenshot of each main moment.

A step machine on a GUI timer: each step waits for what a person would wait for, then
clicks what a person would click; nothing blocks the GUI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QScrollArea, QWidget

from agent_desktop.demo.headless import SHOWN_GROUPS, spoken
from agent_desktop.verify.record import Person
from ui.calls.workspace import CallWorkspace
from ui.demo.banner import DemoBanner

MOMENTS = ("ringing", "verified", "audit-trail", "who-saw", "locked")
STEP_SECONDS = 30.0  # a step that waits longer than this says so and the tour stops
AFTER_CALL_PAGE = 2


class Tour(QObject):
    finished = Signal()

    def __init__(self, window: QMainWindow, workspace: CallWorkspace, banner: DemoBanner, person: Person,
                 out: Path, say: Callable[[str], None], lock: Callable[[], None],
                 locked: Callable[[], bool]) -> None:
        super().__init__(window)
        self.window, self.w, self.banner, self.person = window, workspace, banner, person
        self.out, self.say, self.lock = out, say, lock
        self.taken: list[Path] = []
        self.typed: set[str] = set()
        out.mkdir(parents=True, exist_ok=True)
        self.steps: list[tuple[str, Callable[[], bool], Callable[[], None]]] = [
            ("a ringing call", workspace.ring.isVisible, self._answer),
            ("the screen pop", lambda: workspace.patient.candidates.count() > 0, self._pick),
            ("verification set-up", workspace.verification.start_button.isEnabled,
             workspace.verification.start_button.click),
            ("verified", self._verified_or_type, self._reveal),
            ("the field groups", self._revealed, self._hang_up),
            ("after-call work", lambda: workspace.pages.currentIndex() == AFTER_CALL_PAGE, self._wrap_up),
            ("the call's events on the server", lambda: "call.disposition" in banner.newest_actions,
             self._who_saw),
            ("who saw this patient", lambda: banner.dialog is not None and banner.dialog.isVisible(),
             self._lock),
            ("the lock", locked, lambda: self.shoot("locked")),
        ]
        self._since = time.monotonic()
        self.timer = QTimer(self)
        self.timer.setInterval(150)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.timer.start()

    def shoot(self, name: str, widget: QWidget | None = None) -> None:
        path = self.out / f"{len(self.taken) + 1:02d}-{name}.png"
        (widget or self.window).grab().save(str(path))
        self.taken.append(path)
        self.say(f"screenshot saved: {path}")

    def _tick(self) -> None:
        if not self.steps:
            self.timer.stop()
            self.finished.emit()
            return
        what, ready, act = self.steps[0]
        if ready():
            self.steps.pop(0)
            self._since = time.monotonic()
            act()
        elif time.monotonic() - self._since > STEP_SECONDS:
            self.timer.stop()
            self.say(f"tour: stopped waiting for {what}")
            self.finished.emit()

    # --- what the agent does ---------------------------------------------------------------
    def _answer(self) -> None:
        self.shoot("ringing")
        self.say("agent (on screen): answering")
        self.w.phone.answer()

    def _pick(self) -> None:
        self.say("agent (on screen): answered; screen pop found the caller's record")
        self.w.patient.candidates.setCurrentRow(0)
        self.w.patient.pick.click()

    def _verified_or_type(self) -> bool:
        v = self.w.verification
        if "Verified" in v.status.text():
            return True
        for identifier, field in v.inputs.items():  # one answer per tick, as a person types
            value = spoken(self.person, identifier)
            key = f"{v.status.text()}|{identifier}"
            if field.isEnabled() and value and key not in self.typed:
                self.typed.add(key)
                field.setText(value)
                field.returnPressed.emit()
                break
        return False

    def _reveal(self) -> None:
        self.say("agent (on screen): verification verified")
        for group in SHOWN_GROUPS:
            box = self.w.phi.boxes.get(group)
            if box is not None and box.show_button.isVisible():
                box.show_button.click()

    def _revealed(self) -> bool:
        return any(self.w.phi.texts()) or self.w.problem.isVisible()

    def _hang_up(self) -> None:
        self._scroll_to_top()  # the shell scrolls the calls view on a small screen
        self.shoot("verified")
        self.w.phone.hangup()

    def _scroll_to_top(self) -> None:
        parent = self.w.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            parent.verticalScrollBar().setValue(0)

    def _wrap_up(self) -> None:
        self.say("agent (on screen): hung up; after-call work")
        self.w.after.save_button.click()
        self.w.after.available_button.click()
        self.banner.refresh_trail()

    def _who_saw(self) -> None:
        self.shoot("audit-trail")
        self.banner.who_button.click()

    def _lock(self) -> None:
        assert self.banner.dialog is not None
        self.shoot("who-saw", self.banner.dialog)
        self.banner.dialog.close()
        self.lock()
        self.banner.message.setText(self.tr("Locked: sign in again with the demo password."))
