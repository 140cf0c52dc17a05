"""The call strip on the lock screen: the call the agent keeps while the workstation is locked.

PHI-free by construction: it is fed only the phone's own call snapshots (never the call
desk's record or anything from the directory), and it shows the number masked, the call's
duration, its encryption in words and its state, with Answer / Reject for a call ringing on
the lock screen (policy ``vault.locked_calls = "ring"``) and Hold / Mute / Hang up for a
call in progress. The workspace's keyboard shortcuts act here too; they reach nothing but
the call, and only while the lock screen shows (a hidden widget's shortcuts never fire, so
the workspace's own stay quiet meanwhile).

Every command is a phone future followed by :class:`GuiOps`: the window never waits on the
SIP thread.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from agent_desktop.errors import AgentDesktopError
from agent_desktop.phone import events as pev
from ui.calls.descriptions import describe_lock_strip
from ui.calls.format import duration, encryption_words, masked_number
from ui.calls.phone_panel import SHORTCUTS
from ui.errors import error_text
from ui.ops import EventBridge, GuiOps

RINGING = ("ringing", "early")


class LockCallStrip(QWidget):
    """Shown inside the lock screen's ``call_area``; tracks the phone's calls all along so
    it is current the moment the workstation locks."""

    def __init__(self, workstation: Any, ops: GuiOps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockCallStrip")
        self.ws = workstation
        self.ops = ops
        self.calls: dict[str, pev.CallInfo] = {}
        self.started: dict[str, float] = {}
        self.shown: str | None = None  # the call the strip's buttons act on

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(6)
        # under "not_ready" the agent should know why no call reaches them while locked
        self.policy_note = QLabel(self.tr("While the workstation is locked, new calls do not ring: "
                                          "callers hear busy. Unlock to take calls again."))
        self.policy_note.setObjectName("muted")
        self.policy_note.setWordWrap(True)
        self.policy_note.setAccessibleName(self.tr("Calls while locked"))
        outer.addWidget(self.policy_note)

        self.frame = QFrame(self)
        self.frame.setObjectName("lockCall")
        self.frame.setAccessibleName(self.tr("Your call"))
        box = QVBoxLayout(self.frame)
        box.setContentsMargins(14, 12, 14, 12)
        box.setSpacing(4)
        top = QHBoxLayout()
        self.title = QLabel("")
        self.title.setObjectName("lockCallTitle")
        self.title.setAccessibleName(self.tr("Call state"))
        self.timer_label = QLabel("")
        self.timer_label.setObjectName("lockCallTimer")
        self.timer_label.setAccessibleName(self.tr("Call duration"))
        top.addWidget(self.title, 1)
        top.addWidget(self.timer_label)
        box.addLayout(top)
        self.caller = QLabel("")
        self.caller.setObjectName("lockCallCaller")
        self.caller.setAccessibleName(self.tr("Caller (masked)"))
        box.addWidget(self.caller)
        self.security = QLabel("")
        self.security.setObjectName("lockCallSecurity")
        self.security.setWordWrap(True)
        self.security.setAccessibleName(self.tr("Call encryption"))
        box.addWidget(self.security)
        self.flags = QLabel("")
        self.flags.setObjectName("lockCallFlags")
        self.flags.setAccessibleName(self.tr("Hold and microphone"))
        box.addWidget(self.flags)
        self.others = QLabel("")
        self.others.setObjectName("muted")
        self.others.setAccessibleName(self.tr("Other calls"))
        box.addWidget(self.others)

        row = QHBoxLayout()
        row.setSpacing(6)
        self.buttons: dict[str, QPushButton] = {}
        for name, action in (("answer", self.answer), ("reject", self.reject), ("hold", self.toggle_hold),
                             ("mute", self.toggle_mute), ("hangup", self.hangup)):
            button = QPushButton(self.frame)
            button.setObjectName(f"lock_{name}")
            button.clicked.connect(action)
            row.addWidget(button)
            self.buttons[name] = button
        box.addLayout(row)
        self.note = QLabel("")
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.note.setAccessibleName(self.tr("While locked"))
        box.addWidget(self.note)
        self.keys_label = QLabel("")  # the shortcuts in sight: the lock screen has no tooltips in view
        self.keys_label.setObjectName("lockCallKeys")
        self.keys_label.setWordWrap(True)
        self.keys_label.setAccessibleName(self.tr("Keyboard shortcuts"))
        box.addWidget(self.keys_label)
        self.problem = QLabel("")
        self.problem.setObjectName("lockCallProblem")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName(self.tr("Call problem"))
        self.problem.hide()
        box.addWidget(self.problem)
        self._problem_timer = QTimer(self, singleShot=True, interval=8000)
        self._problem_timer.timeout.connect(self.problem.hide)
        outer.addWidget(self.frame)

        # the workspace's keys; a hidden strip (the workstation unlocked) takes none of them
        for name, seq in SHORTCUTS.items():
            shortcut = QShortcut(QKeySequence(seq), self, context=Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self.buttons[name].click)
        for telephony_key, slot in ((Qt.Key.Key_Call, self.answer), (Qt.Key.Key_Hangup, self.hangup),
                                    (Qt.Key.Key_ToggleCallHangup, self.hook_switch),
                                    (Qt.Key.Key_Phone, self.hook_switch),
                                    (Qt.Key.Key_MicMute, self.toggle_mute)):
            key = QShortcut(QKeySequence(telephony_key), self, context=Qt.ShortcutContext.WindowShortcut)
            key.activated.connect(slot)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)

        describe_lock_strip(self)
        phone = workstation.phone
        if phone is not None:  # built on a signed-in workstation: start from what is up now
            for info in phone.calls().values():
                self._track(info)
        self.bridge = EventBridge(workstation, (pev.IncomingCall, pev.CallStateChanged,
                                                pev.CallMediaChanged, pev.CallEnded), self)
        self.bridge.arrived.connect(self.on_event)
        self.refresh()

    # --- what the phone says -------------------------------------------------------------
    def on_event(self, event: Any) -> None:
        if isinstance(event, pev.CallEnded):
            self.calls.pop(event.call.call_id, None)
            self.started.pop(event.call.call_id, None)
        else:
            self._track(event.call)
        self.refresh()

    def _track(self, info: pev.CallInfo) -> None:
        if info.state == "disconnected":
            return
        self.calls[info.call_id] = info
        if info.state == "confirmed":
            self.started.setdefault(info.call_id, time.monotonic())

    def _pick(self) -> pev.CallInfo | None:
        """A call ringing here first (it needs an answer now), then the one being talked on."""
        calls = list(self.calls.values())
        for wanted in (lambda c: c.direction == "incoming" and c.state in RINGING,
                       lambda c: c.state == "confirmed" and not c.held,
                       lambda c: True):
            found = next((c for c in calls if wanted(c)), None)
            if found is not None:
                return found
        return None

    def refresh(self) -> None:
        """Show the chosen call; the policy note follows ``vault.locked_calls`` live."""
        self.policy_note.setVisible(self.ws.settings.get("vault.locked_calls") == "not_ready")
        info = self._pick()
        self.shown = info.call_id if info is not None else None
        self.frame.setVisible(info is not None)
        if info is None:
            for label in (self.title, self.caller, self.security, self.flags, self.others, self.timer_label,
                          self.note, self.keys_label):
                label.setText("")
            self._tick()
            return
        ringing = info.direction == "incoming" and info.state in RINGING
        live = info.state == "confirmed"
        if self.frame.property("ringing") != ringing:
            self.frame.setProperty("ringing", ringing)
            self.frame.style().unpolish(self.frame)  # the style sheet's [ringing] look
            self.frame.style().polish(self.frame)
        if ringing:
            self.title.setText(self.tr("☎ Incoming call"))
        elif live:
            self.title.setText(self.tr("☎ Call in progress"))
        else:
            self.title.setText(self.tr("☎ Connecting…"))
        self.caller.setText(masked_number(info.remote))
        sign = "✔ " if info.srtp_suite else "⚠ "
        self.security.setText(sign + encryption_words(info.tls, info.srtp_suite))
        flags = ([self.tr("On hold")] if info.held else []) + (
            [self.tr("Microphone off (muted)")] if info.muted else [])
        self.flags.setText(" · ".join(flags) if live else "")
        self.flags.setVisible(live and bool(flags))
        more = len(self.calls) - 1
        self.others.setText(self.tr("%n other call(s) in progress", "", more) if more else "")
        self.others.setVisible(more > 0)
        keys = {name: QKeySequence(seq).toString(QKeySequence.SequenceFormat.NativeText)
                for name, seq in SHORTCUTS.items()}
        if ringing:
            self.note.setText(self.tr("You can answer without unlocking. The caller's record opens "
                                      "after you unlock."))
            self.keys_label.setText(self.tr("Keys: {answer} answers.").format(answer=keys["answer"]))
        else:
            self.note.setText(self.tr("Its audio continues. Patient details return after you unlock."))
            self.keys_label.setText(self.tr("Keys: {hold} hold or resume, {mute} mute or unmute, "
                                            "{hangup} hang up.").format(**keys))
        for name in ("answer", "reject"):
            self.buttons[name].setVisible(ringing)
        for name in ("hold", "mute"):
            self.buttons[name].setVisible(not ringing)
            self.buttons[name].setEnabled(live)
        self.buttons["hangup"].setVisible(not ringing)
        self._label_buttons(info)
        self._tick()

    def _label_buttons(self, info: pev.CallInfo | None) -> None:
        keys = {name: QKeySequence(seq).toString(QKeySequence.SequenceFormat.NativeText)
                for name, seq in SHORTCUTS.items()}
        held, muted = (info.held, info.muted) if info is not None else (False, False)
        texts = {"answer": (self.tr("Answer"), self.tr("Answer the incoming call")),
                 "reject": (self.tr("Reject"), self.tr("Reject the incoming call")),
                 "hold": (self.tr("Resume"), self.tr("Resume the call")) if held
                 else (self.tr("Hold"), self.tr("Put the call on hold")),
                 "mute": (self.tr("Unmute"), self.tr("Turn your microphone back on")) if muted
                 else (self.tr("Mute"), self.tr("Mute your microphone")),
                 "hangup": (self.tr("Hang up"), self.tr("Hang up the call"))}
        for name, (text, spoken) in texts.items():
            button = self.buttons[name]
            button.setText(text)
            button.setAccessibleName(spoken)
            if name in keys:
                button.setToolTip(self.tr("{action} ({keys})").format(action=text, keys=keys[name]))

    def _tick(self) -> None:
        started = self.started.get(self.shown or "")
        if started is None:
            self.timer_label.setText("")
        else:
            self.timer_label.setText(duration(time.monotonic() - started))

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()
        self._ticker.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._ticker.stop()  # the strip only ticks on screen
        super().hideEvent(event)

    # --- the agent's commands (phone futures, never a wait on the GUI thread) --------------
    def _phone(self) -> Any:
        return self.ws.phone

    def _command(self, make: str, *args: Any) -> None:
        phone = self._phone()
        if phone is None or self.shown is None:
            return
        try:
            future = getattr(phone, make)(self.shown, *args)
        except AgentDesktopError as err:
            self.show_problem(err)
            return
        self.ops.follow(future, on_error=self.show_problem)

    def _shown_info(self) -> pev.CallInfo | None:
        return self.calls.get(self.shown or "")

    def answer(self) -> None:
        info = self._shown_info()
        if info is not None and info.direction == "incoming" and info.state in RINGING:
            self._command("answer")

    def reject(self) -> None:
        info = self._shown_info()
        if info is not None and info.direction == "incoming" and info.state in RINGING:
            self._command("reject", 603)

    def hangup(self) -> None:
        info = self._shown_info()
        if info is not None and not (info.direction == "incoming" and info.state in RINGING):
            self._command("hangup")

    def toggle_hold(self) -> None:
        info = self._shown_info()
        if info is not None and info.state == "confirmed":
            self._command("resume" if info.held else "hold")

    def toggle_mute(self) -> None:
        info = self._shown_info()
        if info is not None and info.state == "confirmed":
            self._command("set_mute", not info.muted)

    def hook_switch(self) -> None:
        """The headset's one button: answer a call ringing here, else hang up."""
        info = self._shown_info()
        if info is not None and info.direction == "incoming" and info.state in RINGING:
            self.answer()
        else:
            self.hangup()

    def show_problem(self, err: AgentDesktopError | str) -> None:
        self.problem.setText("⚠ " + error_text(err))
        self.problem.show()
        self._problem_timer.start()

    def close_bridge(self) -> None:
        self.bridge.close()
