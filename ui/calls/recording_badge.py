"""Shows the agent that the selected call is being recorded (text, not colour alone), and
under ``recording.mode = on_demand`` a button to start or stop the recording."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from agent_desktop.phone import events as pev
from agent_desktop.phone.recording_events import CallRecordingChanged


class RecordingBadge(QWidget):
    start = Signal(str)
    stop = Signal(str)

    def __init__(self, mode: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordingBadge")
        self.mode = mode
        self.states: dict[str, str] = {}  # call id -> "announcing" / "recording"
        self.call_id: str | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("")
        self.label.setObjectName("recordingState")
        self.label.setAccessibleName(self.tr("Call recording"))
        self.button = QPushButton(self.tr("Record"))
        self.button.setObjectName("recordButton")
        self.button.setAccessibleName(self.tr("Start or stop recording this call"))
        self.button.clicked.connect(self._clicked)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self._refresh()

    def on_event(self, event: Any) -> None:
        if isinstance(event, CallRecordingChanged):
            if event.state == "stopped":
                self.states.pop(event.call_id, None)
            else:
                self.states[event.call_id] = event.state
        elif isinstance(event, pev.CallEnded):
            self.states.pop(event.call.call_id, None)
            if event.call.call_id == self.call_id:
                self.call_id = None
        else:
            return
        self._refresh()

    def show_call(self, call_id: str | None) -> None:
        self.call_id = call_id
        self._refresh()

    def _refresh(self) -> None:
        state = self.states.get(self.call_id or "")
        self.label.setText({"announcing": self.tr("● Recording notice playing…"),
                            "recording": self.tr("● Recording")}.get(state or "", ""))
        self.button.setVisible(self.mode == "on_demand" and self.call_id is not None)
        self.button.setText(self.tr("Stop recording") if state else self.tr("Record"))
        self.setVisible(bool(state) or self.button.isVisibleTo(self))

    def _clicked(self) -> None:
        if self.call_id:
            (self.stop if self.call_id in self.states else self.start).emit(self.call_id)
