"""The agent's call workspace: the phone panel on the left; on the right the ringing call,
the caller's record, guided verification and the PHI view, then after-call work.

All traffic with the core goes through :class:`GuiOps` (blocking desk calls off the GUI
thread) and an :class:`EventBridge` (core events as queued signals). PHI leaves every
widget on ``DropPhi``: at a lock, at call end, at sign-out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from agent_desktop.app import (
    AfterCallWorkTick,
    CallUpdated,
    DropPhi,
    StateChanged,
    WorkstationState,
)
from agent_desktop.app.calls import CallNotFound, CallView
from agent_desktop.app.monitoring import MonitoringNotice
from agent_desktop.errors import AgentDesktopError
from agent_desktop.phone import events as pev
from agent_desktop.presence.states import Presence
from ui.calls.after_call import AfterCallPanel
from ui.calls.descriptions import describe
from ui.calls.monitor_notice import MonitorNotice
from ui.calls.patient_panel import PatientPanel
from ui.calls.phi_view import PhiView
from ui.calls.phone_panel import PhonePanel
from ui.calls.recent_panel import RecentPanel
from ui.calls.recording_badge import RecordingBadge
from ui.calls.ring_panel import RingPanel
from ui.calls.verification_panel import VerificationPanel
from ui.errors import error_text
from ui.ops import EventBridge, GuiOps

IDLE, CALL, AFTER = 0, 1, 2


class CallWorkspace(QWidget):
    notify = Signal(str)  # a desktop notification's text (never PHI)

    def __init__(self, workstation: Any, ops: GuiOps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callWorkspace")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.ws = workstation
        self.ops = ops
        self.call_id: str | None = None
        self.chosen: dict[str, str] = {}  # call id -> patient reference picked by the agent

        self.problem = QLabel("")
        self.problem.setObjectName("callProblem")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName(self.tr("Call problem"))
        self.problem.hide()
        self._problem_timer = QTimer(self, singleShot=True, interval=8000)
        self._problem_timer.timeout.connect(self.problem.hide)
        self.ring = RingPanel()
        self.monitor_notice = MonitorNotice()
        self.phone = PhonePanel(ops)
        self.patient = PatientPanel()
        self.verification = VerificationPanel()
        self.phi = PhiView()
        self.after = AfterCallPanel()
        self.recent = RecentPanel()
        self.recording = RecordingBadge(str(self.ws.settings.get("recording.mode")))

        self.pages = QStackedWidget()
        idle = QLabel(self.tr("Ready for calls.\nIncoming calls ring here; the caller's record "
                              "appears after you answer."))
        idle.setObjectName("idleMessage")
        idle.setWordWrap(True)
        self.pages.addWidget(idle)
        call_page = QWidget()
        call_layout = QHBoxLayout(call_page)
        left = QVBoxLayout()
        left.addWidget(self.patient)
        left.addWidget(self.verification, 1)
        call_layout.addLayout(left, 2)
        call_layout.addWidget(self.phi, 3)
        self.pages.addWidget(call_page)
        self.pages.addWidget(self.after)

        right = QVBoxLayout()
        right.addWidget(self.ring)
        right.addWidget(self.pages, 1)
        body = QHBoxLayout()
        side = QVBoxLayout()
        side.addWidget(self.phone, 1)
        side.addWidget(self.recording)
        side.addWidget(self.recent)
        side_box = QWidget()
        side_box.setLayout(side)
        side_box.setMaximumWidth(340)
        side.setContentsMargins(0, 0, 0, 0)
        body.addWidget(side_box)
        body.addLayout(right, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.problem)
        outer.addWidget(self.monitor_notice)
        outer.addLayout(body, 1)
        self._reading_order()
        describe(self)

        self.phone.selected.connect(self._select)
        self.phone.problem.connect(self.show_problem)
        self.ring.answer.connect(self.phone.answer)
        self.ring.reject.connect(self.phone.reject)
        self.patient.chosen.connect(self._chosen)
        self.patient.search.connect(self._search)
        self.verification.start.connect(self._start)
        self.verification.answered.connect(self._answer)
        self.verification.escalate.connect(self._escalate)
        self.verification.caller_type_changed.connect(lambda _name: self._load_representatives())
        self.phi.reveal.connect(self._reveal)
        self.after.save.connect(self._wrap_up)
        self.after.extend.connect(lambda: self._agent(Presence.AFTER_CALL_WORK))
        self.after.available.connect(lambda: self._agent(Presence.AVAILABLE))
        self.after.set_dispositions(list(self.ws.settings.get("agent.dispositions")))
        self.recent.show_number.connect(self._show_number)
        self.recent.call_back.connect(self._call_back)
        self.recording.start.connect(lambda cid: self.ops.run(self.ws.start_recording, cid,
                                                              on_error=self.show_problem))
        self.recording.stop.connect(lambda cid: self.ops.run(self.ws.stop_recording, cid,
                                                             on_error=self.show_problem))

        self.setStyleSheet((Path(__file__).with_name("calls.qss")).read_text(encoding="utf-8"))
        self.bridge = EventBridge(self.ws, (pev.PhoneEvent, DropPhi, CallUpdated, AfterCallWorkTick,
                                            StateChanged, MonitoringNotice), self)
        self.bridge.arrived.connect(self._on_event)

    def _reading_order(self) -> None:
        """Tab walks the screen as it reads: phone, caller's record, verification, data."""
        p, r, v = self.phone, self.patient, self.verification
        chain: list[QWidget] = [p.number, p.call_button, p.call_list, *p.buttons.values(), p.transfer_to,
                                p.transfer_button, p.complete_button, r.candidates, r.pick, r.family,
                                r.given, r.birth, r.search_button, v.caller_type, v.representative,
                                v.start_button, *v.inputs.values(), v.escalate_button,
                                *(b.show_button for b in self.phi.boxes.values()),
                                self.after.disposition, self.after.notes, self.after.save_button,
                                self.after.extend_button, self.after.available_button,
                                self.recent.list, self.recent.show_button, self.recent.back_button]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)

    # --- events ---------------------------------------------------------------------------
    def _on_event(self, event: Any) -> None:
        if isinstance(event, pev.PhoneEvent):
            self.phone.on_event(event)
            self.recording.on_event(event)
            if isinstance(event, pev.IncomingCall):
                self.notify.emit(self.ring.ring(event.call.remote))
            elif isinstance(event, pev.CallStateChanged) and event.call.state == "confirmed" \
                    or isinstance(event, pev.CallEnded):
                if not any(c.state in ("ringing", "early") for c in self.phone.calls.values()):
                    self.ring.stop()
            if isinstance(event, pev.CallEnded):
                self._ended(event.call.call_id)
        elif isinstance(event, MonitoringNotice):
            self.monitor_notice.on_notice(event)
        elif isinstance(event, DropPhi):
            if event.call_id is None:
                self.recent.clear_phi()  # a revealed number is PHI too; reloaded after unlock
            if event.call_id is None or event.call_id == self.call_id:
                self.clear_phi()
                if event.call_id is None and self.call_id:
                    self.chosen.pop(self.call_id, None)
        elif isinstance(event, CallUpdated):
            if event.call_id == self.call_id:
                self.refresh()
            if event.call_id not in self.phone.calls:  # ended: the desk has filed it in recent calls
                self.load_recent()
        elif isinstance(event, AfterCallWorkTick):
            self.after.tick(event.seconds_left)
            if event.seconds_left <= 0 and self.pages.currentIndex() == AFTER and not self.phone.calls:
                self.pages.setCurrentIndex(IDLE)
        elif isinstance(event, StateChanged) and event.state is WorkstationState.READY:
            self._refresh_caller_types()
            self.refresh()
            self.load_recent()

    def _select(self, call_id: str) -> None:
        self.recording.show_call(call_id)
        if call_id != self.call_id:
            self.call_id = call_id
            self.clear_phi()
            self._refresh_caller_types()
        self.pages.setCurrentIndex(CALL)
        self.refresh()

    def _ended(self, call_id: str) -> None:
        self.chosen.pop(call_id, None)
        if call_id == self.call_id:
            self.call_id = None
            self.clear_phi()
            self.after.start(call_id)
            self.pages.setCurrentIndex(AFTER)

    def refresh(self) -> None:
        if self.call_id is None or self.ws.desk is None:
            return
        try:
            view: CallView = self.ws.desk.view(self.call_id)
        except CallNotFound:
            return
        patient = view.patient or self.chosen.get(self.call_id)
        self.patient.show_view(view)
        if view.verification is None and patient:
            self.verification.reset(enabled=True)
        else:
            self.verification.show_view(view)
            self._reading_order()  # the answer fields were rebuilt: Tab must still reach them
        self.phi.show_reasons(self.ws.desk.group_reasons(self.call_id))

    def _refresh_caller_types(self) -> None:
        if self.ws.desk is not None:
            language = str(self.ws.settings.get("ui.language"))
            self.verification.language = language
            self.verification.set_caller_types(self.ws.desk.caller_types(language))

    # --- the agent's actions ----------------------------------------------------------------
    def _chosen(self, patient: str) -> None:
        if self.call_id is None:
            return
        self.chosen[self.call_id] = patient
        self.verification.reset(enabled=True)
        self.verification.status.setText(self.tr("Choose who is calling, then start verification."))
        self.verification.caller_type.setFocus()
        self._load_representatives()

    def _load_representatives(self) -> None:
        call_id = self.call_id
        patient = self.chosen.get(call_id or "")
        if call_id and patient and self.ws.desk is not None:
            self.ops.run(self.ws.desk.representatives, call_id, patient,
                         on_done=self.verification.set_representatives, on_error=self.show_problem)

    def _search(self, family: str, given: str, birth: str) -> None:
        if self.call_id and self.ws.desk is not None:
            self.ops.run(self.ws.desk.search, self.call_id, family, given, birth,
                         on_done=lambda _v: self.refresh(), on_error=self.show_problem)

    def _start(self, caller_type: str, representative: str) -> None:
        call_id = self.call_id
        patient = self.chosen.get(call_id or "")
        if call_id and patient and self.ws.desk is not None:
            self.ops.run(self.ws.desk.start_verification, call_id, patient, caller_type, representative or None,
                         on_done=lambda _v: self.refresh(), on_error=self.show_problem)

    def _answer(self, identifier: str, typed: str) -> None:
        call_id = self.call_id
        if call_id and self.ws.desk is not None:
            def done(result: Any) -> None:
                self.verification.show_result(identifier, result)
                self.refresh()

            self.ops.run(self.ws.desk.answer, call_id, identifier, typed, on_done=done,
                         on_error=self.show_problem)

    def _escalate(self) -> None:
        call_id = self.call_id
        if call_id and self.ws.desk is not None:
            self.ops.run(self.ws.desk.escalate, call_id, on_done=lambda _v: self.refresh(),
                         on_error=self.show_problem)
            self.ops.run(self.ws.escalate, "need_help", call_id, on_error=self.show_problem)

    def _reveal(self, group: str) -> None:
        call_id = self.call_id
        if call_id and self.ws.desk is not None:
            self.ops.run(self.ws.desk.reveal, call_id, group,
                         on_done=lambda data: self._revealed(call_id, group, data),
                         on_error=lambda err: self._reveal_failed(group, err))

    def _reveal_failed(self, group: str, err: AgentDesktopError) -> None:
        self.phi.failed(group)
        self.show_problem(err)

    def _revealed(self, call_id: str, group: str, data: Any) -> None:
        if call_id == self.call_id:  # the call may have ended or changed meanwhile
            self.phi.show_group(group, data)

    def _wrap_up(self, disposition: str, notes: str) -> None:
        call_id = self.after.call_id
        if call_id:
            self.ops.run(self.ws.wrap_up, call_id, disposition, notes,
                         on_done=lambda _v: self.after.was_saved(), on_error=self.show_problem)

    def _agent(self, state: Presence) -> None:
        try:
            future = self.ws.set_agent_state(state)
        except AgentDesktopError as err:
            self.show_problem(err)
            return
        self.ops.follow(future, on_error=self.show_problem)
        if state is Presence.AVAILABLE:
            self.pages.setCurrentIndex(CALL if self.phone.calls else IDLE)

    def load_recent(self) -> None:
        if self.ws.desk is not None and self.ws.vault.unlocked:
            self.ops.run(self.ws.recent_calls, on_done=self.recent.set_calls, on_error=self.show_problem)

    def _show_number(self, call_id: str) -> None:
        self.ops.run(self.ws.recent_number, call_id, "view",
                     on_done=lambda number: self.recent.number_shown(call_id, number), on_error=self.show_problem)

    def _call_back(self, call_id: str) -> None:
        def dial(number: str) -> None:
            self.phone.number.setText(number)
            self.phone.dial()

        self.ops.run(self.ws.recent_number, call_id, "redial", on_done=dial, on_error=self.show_problem)

    # --- PHI and problems ---------------------------------------------------------------------
    def clear_phi(self) -> None:
        self.patient.clear_phi()
        self.verification.clear_phi()
        self.phi.clear_phi()
        self.after.clear_phi()

    def show_problem(self, err: AgentDesktopError | str) -> None:
        self.problem.setText("⚠ " + error_text(err))
        self.problem.show()
        self._problem_timer.start()

    def close_bridge(self) -> None:
        self.bridge.close()
