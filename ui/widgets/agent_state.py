"""The agent state selector: Available, After-call work (with its countdown), Not ready with
one of the policy's reasons. On a call the state follows the call and cannot be chosen."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from agent_desktop.presence.states import AgentStatus, Presence
from ui.look import icon_label, set_icon
from ui.widgets.countdown import format_seconds

DOTS = {Presence.AVAILABLE: "dot-available", Presence.ON_CALL: "dot-busy",
        Presence.AFTER_CALL_WORK: "dot-acw", Presence.NOT_READY: "dot-notready",
        Presence.OFFLINE: "dot-notready"}


# the default codes of agent.not_ready_reasons and the system's own; an organisation's own
# codes show as written ("follow_up" -> "Follow up")
REASONS = {
    "break": QT_TRANSLATE_NOOP("AgentState", "Break"),
    "lunch": QT_TRANSLATE_NOOP("AgentState", "Lunch"),
    "meeting": QT_TRANSLATE_NOOP("AgentState", "Meeting"),
    "training": QT_TRANSLATE_NOOP("AgentState", "Training"),
    "coaching": QT_TRANSLATE_NOOP("AgentState", "Coaching"),
    "technical": QT_TRANSLATE_NOOP("AgentState", "Technical"),
    "locked": QT_TRANSLATE_NOOP("AgentState", "Locked"),
}


def reason_label(code: str) -> str:
    """A not-ready reason code as words, in the installed language for the known ones."""
    if code in REASONS:
        return QCoreApplication.translate("AgentState", str(REASONS[code]))
    return code.replace("_", " ").strip().capitalize()


class AgentStateSelector(QWidget):
    state_chosen = Signal(object, str)  # Presence, reason

    def __init__(self, reasons: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.dot = icon_label("dot-notready", 14, self)
        layout.addWidget(self.dot)
        self.combo = QComboBox(self)
        self.combo.setObjectName("agentState")
        self.combo.setAccessibleName(self.tr("Agent state"))
        self.combo.setMinimumWidth(210)
        layout.addWidget(self.combo)
        self.acw = QLabel(self)
        self.acw.setObjectName("acwCountdown")
        self.acw.setAccessibleName(self.tr("After-call work time left"))
        self.acw.hide()
        layout.addWidget(self.acw)
        self._status: AgentStatus | None = None
        self.set_reasons(reasons)
        self.combo.activated.connect(self._chosen)

    def set_reasons(self, reasons: list[str]) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(self.tr("Available"), (Presence.AVAILABLE, ""))
        self.combo.addItem(self.tr("After-call work"), (Presence.AFTER_CALL_WORK, ""))
        for code in reasons:
            self.combo.addItem(self.tr("Not ready · %1").replace("%1", reason_label(code)),
                               (Presence.NOT_READY, code))
        self.combo.addItem(self.tr("On a call"), (Presence.ON_CALL, ""))
        self._on_call_index = self.combo.count() - 1
        item = self.combo.model().item(self._on_call_index)  # type: ignore[attr-defined]
        item.setEnabled(False)
        self.combo.blockSignals(False)
        if self._status is not None:
            self.show_status(self._status)

    def _chosen(self, index: int) -> None:
        state, reason = self.combo.itemData(index)
        self.state_chosen.emit(state, reason)

    def show_status(self, status: AgentStatus) -> None:
        self._status = status
        key = (status.state, status.reason if status.state is Presence.NOT_READY else "")
        self.combo.blockSignals(True)
        index = next((i for i in range(self.combo.count()) if self.combo.itemData(i) == key), -1)
        if index < 0 and status.state is Presence.NOT_READY:
            # "locked" and other system reasons are shown, never offered: one slot, replaced
            if self.combo.count() > self._on_call_index + 1:
                self.combo.removeItem(self._on_call_index + 1)
            self.combo.addItem(self.tr("Not ready · %1").replace("%1", reason_label(status.reason)),
                               key)
            index = self.combo.count() - 1
            self.combo.model().item(index).setEnabled(False)  # type: ignore[attr-defined]
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)
        self.combo.setEnabled(status.state is not Presence.ON_CALL)
        set_icon(self.dot, DOTS.get(status.state, "dot-notready"), 14)
        self.dot.setAccessibleName(self.combo.currentText())
        if status.state is not Presence.AFTER_CALL_WORK:
            self.acw.hide()

    def show_acw(self, seconds_left: int) -> None:
        self.acw.setText(self.tr("%1 left").replace("%1", format_seconds(seconds_left)))
        self.acw.setVisible(seconds_left > 0)
