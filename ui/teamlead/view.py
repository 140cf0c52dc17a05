"""The team-lead view: the live roster of the lead's own team with filters, durations that
tick every second, requests for help with an Acknowledge button, and the monitoring
bar: Listen, Whisper or Barge on the selected agent's call (the same buttons move an
ongoing session between modes), and Hang up.

The roster is read every few seconds through the op runner, off the GUI thread; a read is
never started while one is on its way. A refusal (another team, a revoked device) empties
the view: a lead who may not see the team sees nothing. An unreachable server keeps the
last roster on screen, greyed, with the time it was read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QEvent, QItemSelection, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.app.monitoring import SupervisionChanged
from agent_desktop.errors import AgentDesktopError
from agent_desktop.presence.roster import Escalation, PresenceUnavailable, Roster, RosterRow
from agent_desktop.presence.states import Presence
from ui.errors import error_text

from .escalations import EscalationList
from .labels import (
    MODE_BUTTONS,
    MODE_NAMES,
    MONITOR_MODES,
    MONITORING_UNAVAILABLE,
    clock_time,
    end_cause,
    kind_label,
    mode_state,
    state_label,
    words,
)
from .model import AGENT, ROW_ROLE, RosterFilter, RosterModel

T = TypeVar("T")


class RosterSource(Protocol):
    """What the view reads (the Workstation; blocking, so always through ``ops``)."""

    def team_roster(self) -> Roster: ...
    def acknowledge_escalation(self, escalation_id: str) -> Escalation: ...


class MonitorSource(Protocol):
    """The team lead's monitoring (the Workstation; blocking, so always through ``ops``)."""

    def monitor(self, agent_id: str, aor: str, mode: str = "listen") -> str: ...
    def monitor_mode(self, mode: str) -> None: ...
    def stop_monitoring(self) -> None: ...


class Ops(Protocol):
    """ui.ops.GuiOps: runs ``fn`` off the GUI thread, callbacks on the GUI thread."""

    def run(self, fn: Callable[..., T], *args: Any, on_done: Callable[[T], None] | None = None,
            on_error: Callable[[AgentDesktopError], None] | None = None, **kwargs: Any) -> Future[T]: ...


class RosterView(QWidget):
    def __init__(self, source: RosterSource, ops: Ops, *, refresh_seconds: float = 3.0,
                 monotonic: Callable[[], float] = time.monotonic, parent: QWidget | None = None,
                 monitor: MonitorSource | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teamlead-roster")
        self._source = source
        self._monitor = monitor
        self.monitoring: tuple[str, str] | None = None  # (agent, mode) while a session is up
        self._monitor_busy = False  # a monitoring request is on its way
        self._ops = ops
        self._reading = False
        self.last_read: float | None = None  # wall-clock time of the last good read
        self.model = RosterModel(monotonic, self)
        self.proxy = RosterFilter(self)
        self.proxy.setSourceModel(self.model)

        layout = QVBoxLayout(self)
        self.title = QLabel(self.tr("Team"), self)
        self.title.setObjectName("team-title")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.summary = QLabel("", self)
        self.summary.setObjectName("summary")
        layout.addWidget(self.summary)
        layout.addLayout(self._filters())

        self.table = QTableView(self)
        self.table.setObjectName("roster")
        self.table.setAccessibleName(self.tr("Team roster"))
        self.table.setAccessibleDescription(self.tr(
            "Your team's agents: state, reason, time in state and requests for help. "
            "Select an agent on a call to monitor it."))
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(AGENT, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 3)
        layout.addWidget(self._monitor_bar())

        help_box = QGroupBox(self.tr("Requests for help"), self)
        help_layout = QVBoxLayout(help_box)
        self.escalations = EscalationList(self._acknowledge, help_box)
        help_layout.addWidget(self.escalations)
        layout.addWidget(help_box, 2)

        self.notice = QLabel("", self)  # the outcome of the lead's last action
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        layout.addWidget(self.notice)
        self.status = QLabel(self.tr("Reading the roster…"), self)  # the age of what is shown
        self.status.setObjectName("roster-status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(int(refresh_seconds * 1000))
        self._refresh_timer.timeout.connect(self.refresh)
        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(1000)
        self._tick_timer.timeout.connect(self.tick)

    # --- layout pieces ------------------------------------------------------------------------
    def _filters(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.state_filter = QComboBox(self)
        self.state_filter.setObjectName("state-filter")
        self.state_filter.setAccessibleName(self.tr("Show agents in state"))
        self.state_filter.setAccessibleDescription(self.tr("Shows only the agents in the chosen state."))
        self.state_filter.addItem(self.tr("All states"), None)
        for state in Presence:
            self.state_filter.addItem(state_label(state), state)
        self.search = QLineEdit(self)
        self.search.setObjectName("agent-search")
        self.search.setPlaceholderText(self.tr("Find an agent"))
        self.search.setAccessibleName(self.tr("Find an agent by id"))
        self.search.setAccessibleDescription(self.tr("Shows only the agents whose id contains these letters."))
        self.search.setClearButtonEnabled(True)
        self.help_only = QCheckBox(self.tr("Only agents asking for help"), self)
        self.help_only.setObjectName("help-only")
        self.help_only.setAccessibleDescription(self.tr("Hides the agents who are not asking for help."))
        for label, widget in ((self.tr("State:"), self.state_filter), (None, self.search), (None, self.help_only)):
            if label:
                caption = QLabel(label, self)
                caption.setBuddy(widget)
                row.addWidget(caption)
            row.addWidget(widget)
        row.addStretch(1)
        self.state_filter.currentIndexChanged.connect(self._filter_changed)
        self.search.textChanged.connect(self._filter_changed)
        self.help_only.toggled.connect(self._filter_changed)
        return row

    def _monitor_bar(self) -> QWidget:
        bar = QWidget(self)
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.monitor_target = QLabel(self.tr("Select an agent who is on a call."), bar)
        self.monitor_target.setObjectName("monitor-target")
        row.addWidget(self.monitor_target)
        self.monitor_buttons: dict[str, QPushButton] = {}
        for mode in (*MONITOR_MODES, "hangup"):
            button = QPushButton(words(MODE_BUTTONS[mode]), bar)
            button.setObjectName(f"monitor:{mode}")
            button.setAccessibleName(words(MODE_NAMES[mode]))
            button.setAccessibleDescription(self.tr("The agent's phone answers a call from yours; "
                                                    "the same button moves a session to this mode."))
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, m=mode: self._monitor_clicked(m))
            self.monitor_buttons[mode] = button
            row.addWidget(button)
        self.monitor_reason = QLabel("" if self._monitor else words(MONITORING_UNAVAILABLE), bar)
        self.monitor_reason.setObjectName("monitor-reason")
        row.addWidget(self.monitor_reason)
        row.addStretch(1)
        return bar

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            # the table's words come from the model (no widget text for i18n's switch to rewrite)
            self.model.retranslate()
            if self.model.roster is not None and self.summary.text():
                self.summary.setText(self._summary(self.model.roster.rows))
        super().changeEvent(event)

    def _summary(self, rows: tuple[RosterRow, ...]) -> str:
        """``5 agents · 1 available · 2 on call · 2 asking for help``, each count in its plural
        form (lupdate marks ``self.tr(text, "", n)`` plural)."""
        n = len(rows)
        parts = [self.tr("1 agent") if n == 1 else self.tr("%n agents", "", n)]  # English: no %n form for one
        counts = {state: sum(1 for r in rows if r.state is state) for state in Presence}
        for state, count in counts.items():
            if not count:
                continue
            if state is Presence.AVAILABLE:
                parts.append(self.tr("%n available", "", count))
            elif state is Presence.ON_CALL:
                parts.append(self.tr("%n on call", "", count))
            elif state is Presence.AFTER_CALL_WORK:
                parts.append(self.tr("%n in after-call work", "", count))
            elif state is Presence.NOT_READY:
                parts.append(self.tr("%n not ready", "", count))
            else:
                parts.append(self.tr("%n offline", "", count))
        asking = sum(1 for r in rows if r.escalations)
        if asking:
            parts.append(self.tr("%n asking for help", "", asking))
        return " · ".join(parts)

    # --- lifecycle ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._refresh_timer.isActive()

    def start(self) -> None:
        self.refresh()
        self._refresh_timer.start()
        self._tick_timer.start()

    def stop(self) -> None:
        self._refresh_timer.stop()
        self._tick_timer.stop()

    # --- reading the roster -----------------------------------------------------------------------
    def refresh(self) -> None:
        if self._reading:
            return  # the previous read is still on its way: never pile reads up
        self._reading = True
        self._ops.run(self._source.team_roster, on_done=self._on_roster, on_error=self._on_roster_error)

    def _on_roster(self, roster: Roster) -> None:
        self._reading = False
        self.last_read = time.time()
        self.table.setEnabled(True)
        self.model.set_roster(roster)
        self.escalations.set_roster(roster)
        self.title.setText(self.tr("Team {team}").format(team=roster.team))
        self.summary.setText(self._summary(roster.rows))
        self.status.setText(self.tr("Updated {time}; refreshed every {seconds} s.").format(
            time=clock_time(self.last_read), seconds=self.locale().toString(self._refresh_timer.interval() / 1000,
                                                                            "g", 6)))
        self._selection_changed()

    def _on_roster_error(self, err: AgentDesktopError) -> None:
        self._reading = False
        if isinstance(err, PresenceUnavailable) and self.model.roster is not None:
            # keep what we know, visibly old: a lead acts on it knowing its age
            self.table.setEnabled(False)
            when = clock_time(self.last_read) if self.last_read else self.tr("never")
            self.status.setText(self.tr("Roster not updated since {time}: {error}").format(
                time=when, error=error_text(err)))
            return
        # refused (another team, revoked device) or never read: nothing of the team stays
        nothing = Roster(team="", server_now=0.0, offline_after=0.0, rows=())
        self.model.set_roster(nothing)
        self.escalations.set_roster(nothing)
        self.summary.setText("")
        self.title.setText(self.tr("Team"))
        self.status.setText(self.tr("The roster cannot be shown: {error}").format(error=error_text(err)))

    def tick(self) -> None:
        self.model.tick()
        self.escalations.tick()

    # --- acknowledging ----------------------------------------------------------------------------
    def _acknowledge(self, esc: Escalation) -> None:
        def done(result: Escalation) -> None:
            who = result.acknowledged_by or self.tr("you")
            self.notice.setText(self.tr("{kind} from {agent} acknowledged by {lead} at {time}.").format(
                kind=kind_label(result.kind), agent=result.agent_id or esc.agent_id, lead=who,
                time=clock_time(result.acknowledged_at or time.time())))
            self.refresh()

        def failed(err: AgentDesktopError) -> None:
            self.escalations.set_pending(esc.id, False)
            self.notice.setText(self.tr("Not acknowledged: {error}").format(error=error_text(err)))

        self._ops.run(self._source.acknowledge_escalation, esc.id, on_done=done, on_error=failed)

    # --- filters and selection --------------------------------------------------------------------
    def _filter_changed(self, *_: object) -> None:
        chosen = self.state_filter.currentData()  # Qt hands the enum back as its string value
        self.proxy.set_filter(state=Presence(chosen) if chosen else None, text=self.search.text(),
                              help_only=self.help_only.isChecked())

    def selected_row(self) -> RosterRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.data(rows[0], ROW_ROLE) if rows else None

    def _selection_changed(self, *_: QItemSelection) -> None:
        row = self.selected_row()
        if self.monitoring is not None:
            pass  # the bar speaks of the session, whatever is selected
        elif row is not None and row.state is Presence.ON_CALL:
            self.monitor_target.setText(self.tr("{agent} is on a call:").format(agent=row.agent_id))
        else:
            self.monitor_target.setText(self.tr("Select an agent who is on a call."))
        self._monitor_buttons_state()

    # --- monitoring -------------------------------------------------------------------------------
    def _monitor_buttons_state(self) -> None:
        row = self.selected_row()
        can_start = (self._monitor is not None and row is not None and row.state is Presence.ON_CALL
                     and not self._monitor_busy)
        up = self.monitoring is not None and not self._monitor_busy
        for mode, button in self.monitor_buttons.items():
            if mode == "hangup":
                button.setEnabled(up)
            else:
                button.setEnabled(up and self.monitoring is not None and self.monitoring[1] != mode
                                  or self.monitoring is None and can_start)

    def _monitor_clicked(self, mode: str) -> None:
        monitor = self._monitor
        if monitor is None:
            return
        self._monitor_busy = True
        self._monitor_buttons_state()

        def failed(err: AgentDesktopError) -> None:
            self._monitor_busy = False
            self.monitor_reason.setText(self.tr("Not done: {error}").format(error=error_text(err)))
            self._monitor_buttons_state()

        def done(_: object) -> None:
            self._monitor_busy = False
            self._monitor_buttons_state()

        if mode == "hangup":
            self._ops.run(monitor.stop_monitoring, on_done=done, on_error=failed)
        elif self.monitoring is not None:
            self._ops.run(monitor.monitor_mode, mode, on_done=done, on_error=failed)
        else:
            row = self.selected_row()
            if row is None:
                self.monitor_reason.setText(self.tr("Select an agent who is on a call."))
                self._monitor_busy = False
                self._monitor_buttons_state()
                return
            self.monitor_reason.setText(self.tr("Calling {agent}'s phone…").format(agent=row.agent_id))
            self._ops.run(monitor.monitor, row.agent_id, row.aor, mode, on_done=done, on_error=failed)

    def on_supervision(self, event: SupervisionChanged) -> None:
        """The session's state, from the workstation's bus (on the GUI thread)."""
        if event.state == "ended":
            self.monitoring = None
            ended = self.tr("Monitoring of {agent} ended.").format(agent=event.agent)
            cause = end_cause(event.cause)
            self.monitor_reason.setText(f"{ended} {cause}" if cause else ended)
            self._selection_changed()
            return
        self.monitoring = (event.agent, event.mode)
        self.monitor_target.setText(f"{event.agent}:")
        self.monitor_reason.setText(mode_state(event.mode, event.agent) if event.state == "up"
                                    else self.tr("Calling {agent}'s phone…").format(agent=event.agent))
        self._monitor_buttons_state()

