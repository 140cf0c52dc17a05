"""The phone panel: number field, dial pad, call list and the controls of the selected call.

Every command goes to the phone engine as a future followed by :class:`GuiOps`, so the
window never waits on the SIP thread. A call's encryption is said in words and an icon
("Encrypted: TLS signalling, SRTP media (AES_256_CM_HMAC_SHA1_80)"), never by colour alone.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.errors import AgentDesktopError
from agent_desktop.phone import events as pev
from ui.calls.format import duration, encryption_words, masked_number
from ui.ops import GuiOps

KEYS = "123456789*0#"
SHORTCUTS = {"answer": "Ctrl+Return", "hangup": "Ctrl+Shift+E", "mute": "Ctrl+M", "hold": "Ctrl+H"}


class PhonePanel(QWidget):
    """Shows every call; ``selected`` is the call the other screens follow."""

    selected = Signal(str)
    problem = Signal(str)

    def __init__(self, ops: GuiOps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("phonePanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.ops = ops
        self.calls: dict[str, pev.CallInfo] = {}
        self.started: dict[str, float] = {}
        self.quality: dict[str, pev.CallQuality] = {}
        self.current: str | None = None
        self._consult_for: str | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        title = QLabel(self.tr("Phone"))
        title.setObjectName("panelTitle")
        layout.addWidget(title)

        self.number = QLineEdit()
        self.number.setObjectName("dialNumber")
        self.number.setPlaceholderText(self.tr("Number or name to call"))
        self.number.setAccessibleName(self.tr("Number to dial"))
        self.number.returnPressed.connect(self.dial)
        layout.addWidget(self.number)

        pad = QGridLayout()
        pad.setSpacing(4)
        self.keys: dict[str, QPushButton] = {}
        for n, key in enumerate(KEYS):
            b = QPushButton(key)
            b.setObjectName("dialKey")
            b.setAccessibleName(self.tr("Key {key}").format(key=key))
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the number field keeps the keyboard
            b.clicked.connect(lambda _=False, k=key: self.press_key(k))
            pad.addWidget(b, n // 3, n % 3)
            self.keys[key] = b
        layout.addLayout(pad)

        self.call_button = QPushButton(self.tr("Call"))
        self.call_button.setObjectName("callButton")
        self.call_button.setAccessibleName(self.tr("Call the number"))
        self.call_button.clicked.connect(self.dial)
        layout.addWidget(self.call_button)

        box = QGroupBox(self.tr("Calls"))
        box_layout = QVBoxLayout(box)
        self.call_list = QListWidget()
        self.call_list.setObjectName("callList")
        self.call_list.setAccessibleName(self.tr("Calls in progress"))
        self.call_list.currentItemChanged.connect(self._picked)
        self.call_list.setMaximumHeight(160)
        box_layout.addWidget(self.call_list)
        self.timer_label = QLabel("")
        self.timer_label.setObjectName("callTimer")
        self.timer_label.setAccessibleName(self.tr("Call duration"))
        self.security = QLabel("")
        self.security.setObjectName("callSecurity")
        self.security.setWordWrap(True)
        self.security.setAccessibleName(self.tr("Call encryption"))
        self.quality_label = QLabel("")
        self.quality_label.setObjectName("callQuality")
        self.quality_label.setWordWrap(True)  # the Spanish line is longer than the panel
        self.quality_label.setAccessibleName(self.tr("Call quality"))
        for w in (self.timer_label, self.security, self.quality_label):
            box_layout.addWidget(w)
        layout.addWidget(box)
        layout.addStretch(1)

        controls = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        for n, (name, text, tip) in enumerate((
                ("answer", self.tr("Answer"), SHORTCUTS["answer"]),
                ("hangup", self.tr("Hang up"), SHORTCUTS["hangup"]),
                ("hold", self.tr("Hold"), SHORTCUTS["hold"]),
                ("mute", self.tr("Mute"), SHORTCUTS["mute"]),
                ("reject", self.tr("Reject"), ""),
                ("consult", self.tr("Consult"), ""))):
            b = QPushButton(text)
            b.setObjectName(f"call_{name}")
            b.setAccessibleName(text)
            if tip:
                b.setToolTip(self.tr("{action} ({keys})").format(
                    action=text, keys=QKeySequence(tip).toString(QKeySequence.SequenceFormat.NativeText)))
            controls.addWidget(b, n // 2, n % 2)
            self.buttons[name] = b
        self.buttons["answer"].clicked.connect(self.answer)
        self.buttons["hangup"].clicked.connect(self.hangup)
        self.buttons["hold"].clicked.connect(self.toggle_hold)
        self.buttons["mute"].clicked.connect(self.toggle_mute)
        self.buttons["reject"].clicked.connect(self.reject)
        self.buttons["consult"].clicked.connect(self.consult)
        layout.addLayout(controls)

        transfer = QHBoxLayout()
        self.transfer_to = QLineEdit()
        self.transfer_to.setPlaceholderText(self.tr("Transfer to…"))
        self.transfer_to.setAccessibleName(self.tr("Transfer target"))
        self.transfer_button = QPushButton(self.tr("Transfer"))
        self.transfer_button.setAccessibleName(self.tr("Blind transfer"))
        self.transfer_button.clicked.connect(self.blind_transfer)
        self.complete_button = QPushButton(self.tr("Complete transfer"))
        self.complete_button.setAccessibleName(self.tr("Complete the attended transfer"))
        self.complete_button.clicked.connect(self.complete_transfer)
        transfer.addWidget(self.transfer_to, 1)
        transfer.addWidget(self.transfer_button)
        layout.addLayout(transfer)
        layout.addWidget(self.complete_button)

        for name, seq in SHORTCUTS.items():
            sc = QShortcut(QKeySequence(seq), self, context=Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(self.buttons[name].click)
        # A USB headset's hook switch and mute button arrive as the telephony keys the kernel
        # reports (KEY_PHONE, KEY_MICMUTE...), which Qt delivers as these key codes.
        for telephony_key, action in ((Qt.Key.Key_Call, self.answer), (Qt.Key.Key_Hangup, self.hangup),
                                      (Qt.Key.Key_ToggleCallHangup, self.hook_switch),
                                      (Qt.Key.Key_Phone, self.hook_switch),
                                      (Qt.Key.Key_MicMute, self.toggle_mute)):
            hs = QShortcut(QKeySequence(telephony_key), self, context=Qt.ShortcutContext.WindowShortcut)
            hs.activated.connect(action)
        self._ticker = QTimer(self)  # the call's duration; runs only while a call is up (idle: no wake-ups)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._refresh()

    # --- events ------------------------------------------------------------------------
    def on_event(self, event: Any) -> None:
        if isinstance(event, pev.CallEnded):
            self.calls.pop(event.call.call_id, None)
            self.started.pop(event.call.call_id, None)
            self.quality.pop(event.call.call_id, None)
            if event.cause == "srtp_refused":
                self.problem.emit(self.tr("A call was refused: the caller offered no encryption (SRTP)."))
            if self.current == event.call.call_id:
                self.current = next(iter(self.calls), None)
        elif isinstance(event, pev.IncomingCall | pev.CallStateChanged | pev.CallMediaChanged):
            info = event.call
            if info.state == "disconnected":
                return
            new = info.call_id not in self.calls
            self.calls[info.call_id] = info
            if info.state == "confirmed":
                self.started.setdefault(info.call_id, time.monotonic())
            if self.current is None or isinstance(event, pev.IncomingCall) or (new and info.direction == "outgoing"):
                self.current = info.call_id  # a new call (a consult too) becomes the one shown
        elif isinstance(event, pev.CallQuality):
            self.quality[event.call_id] = event
        elif isinstance(event, pev.SrtpRefused):
            self.problem.emit(self.tr("A call was refused: it offered no encryption (SRTP)."))
        else:
            return
        self._refresh()

    def _refresh(self) -> None:
        self.call_list.blockSignals(True)
        self.call_list.clear()
        for cid, call in self.calls.items():
            item = QListWidgetItem(self._describe(call))
            item.setData(Qt.ItemDataRole.UserRole, cid)
            self.call_list.addItem(item)
            if cid == self.current:
                self.call_list.setCurrentItem(item)
        self.call_list.blockSignals(False)
        info = self.calls.get(self.current or "")
        ringing = info is not None and info.direction == "incoming" and info.state in ("ringing", "early")
        live = info is not None and info.state == "confirmed"
        self.buttons["answer"].setEnabled(ringing)
        self.buttons["reject"].setEnabled(ringing)
        self.buttons["hangup"].setEnabled(info is not None)
        for name in ("hold", "mute", "consult"):
            self.buttons[name].setEnabled(live)
        self.transfer_button.setEnabled(live)
        self.complete_button.setVisible(self._consult_for is not None and live)
        if info is not None:
            self.buttons["hold"].setText(self.tr("Resume") if info.held else self.tr("Hold"))
            self.buttons["mute"].setText(self.tr("Unmute") if info.muted else self.tr("Mute"))
            lock = "✔ " if info.srtp_suite else "⚠ "
            self.security.setText(lock + encryption_words(info.tls, info.srtp_suite))
        else:
            self.security.setText("")
            self.quality_label.setText("")
        if not self.calls:
            self._ticker.stop()
        elif not self._ticker.isActive():
            self._ticker.start()
        self._tick()
        if self.current:
            self.selected.emit(self.current)

    def _describe(self, info: pev.CallInfo) -> str:
        direction = self.tr("Incoming") if info.direction == "incoming" else self.tr("Outgoing")
        state = {"ringing": self.tr("ringing"), "early": self.tr("ringing"), "calling": self.tr("calling"),
                 "connecting": self.tr("connecting"), "confirmed": self.tr("connected")}.get(info.state, info.state)
        flags = [self.tr("on hold")] if info.held else []
        if info.muted:
            flags.append(self.tr("muted"))
        if info.call_id == self._consult_for:
            flags.append(self.tr("waiting for transfer"))
        extra = f" ({', '.join(flags)})" if flags else ""
        return f"{direction} · {masked_number(info.remote)} · {state}{extra}"

    def _tick(self) -> None:
        cid = self.current
        if cid and cid in self.started:
            self.timer_label.setText(self.tr("Duration {time}").format(
                time=duration(time.monotonic() - self.started[cid])))
        else:
            self.timer_label.setText("")
        q = self.quality.get(cid or "")
        if q is not None:
            words = self.tr("good") if q.loss_percent < 2 and q.jitter_ms < 30 else (
                self.tr("fair") if q.loss_percent < 8 else self.tr("poor"))
            self.quality_label.setText(self.tr("Quality {words}: {loss:.0f} % loss, {jitter:.0f} ms jitter").format(
                words=words, loss=q.loss_percent, jitter=q.jitter_ms))

    def _picked(self, item: QListWidgetItem | None, _old: QListWidgetItem | None) -> None:
        if item is not None:
            self.current = str(item.data(Qt.ItemDataRole.UserRole))
            self._refresh()

    # --- commands ------------------------------------------------------------------------
    @property
    def phone(self) -> Any:
        return self.ops.workstation.phone

    def _command(self, future: Any) -> None:
        self.ops.follow(future, on_error=self._failed)

    def _failed(self, err: AgentDesktopError) -> None:
        self.problem.emit(str(err))

    def _ready(self) -> bool:
        if self.phone is None:
            self.problem.emit(self.tr("The phone is not running. Sign in first."))
            return False
        return True

    def press_key(self, key: str) -> None:
        info = self.calls.get(self.current or "")
        if info is not None and info.state == "confirmed" and self._ready():
            self._command(self.phone.send_dtmf(info.call_id, key))
        else:
            self.number.insert(key)
            self.number.setFocus()

    def dial(self) -> None:
        target = self.number.text().strip()
        if not target or not self._ready():
            return
        if self._consult_for is None and any(i.state == "confirmed" for i in self.calls.values()):
            self.problem.emit(self.tr("Hang up or use Consult before placing another call."))
            return
        self.ops.follow(self.phone.dial(target), on_done=lambda _cid: self.number.clear(),
                        on_error=self._failed)

    def answer(self) -> None:
        if self.current and self._ready():
            self._command(self.phone.answer(self.current))

    def hook_switch(self) -> None:
        """The headset's one button: answer a ringing call, else hang up the current one."""
        info = self.calls.get(self.current or "")
        if info is None:
            return
        if info.direction == "incoming" and info.state in ("ringing", "early"):
            self.answer()
        else:
            self.hangup()

    def reject(self) -> None:
        if self.current and self._ready():
            self._command(self.phone.reject(self.current, 603))

    def hangup(self) -> None:
        if self.current and self._ready():
            self._command(self.phone.hangup(self.current))

    def toggle_hold(self) -> None:
        info = self.calls.get(self.current or "")
        if info is not None and self._ready():
            self._command(self.phone.resume(info.call_id) if info.held else self.phone.hold(info.call_id))

    def toggle_mute(self) -> None:
        info = self.calls.get(self.current or "")
        if info is not None and self._ready():
            self._command(self.phone.set_mute(info.call_id, not info.muted))

    def blind_transfer(self) -> None:
        target = self.transfer_to.text().strip()
        if self.current and target and self._ready():
            self._command(self.phone.blind_transfer(self.current, target))

    def consult(self) -> None:
        """Hold the customer and dial the consult target typed in the transfer field."""
        info = self.calls.get(self.current or "")
        target = self.transfer_to.text().strip()
        if info is None or not self._ready():
            return
        if not target:
            self.problem.emit(self.tr("Type who to consult in the transfer field first."))
            self.transfer_to.setFocus()
            return
        self._consult_for = info.call_id
        if not info.held:
            self._command(self.phone.hold(info.call_id))
        self.ops.follow(self.phone.dial(target), on_error=self._failed)

    def complete_transfer(self) -> None:
        held = self._consult_for
        consult = next((cid for cid, c in self.calls.items() if cid != held and c.state == "confirmed"), None)
        if held and consult and self._ready():
            self._consult_for = None
            self._command(self.phone.attended_transfer(held, consult))
