"""The roster as a Qt table model; durations tick on the local monotonic clock between reads."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from agent_desktop.presence.roster import Roster, RosterRow
from agent_desktop.presence.states import Presence

from .labels import STATE_MARKS, clock_time, duration, kind_label, reason_label, state_label

COLUMNS = (QT_TRANSLATE_NOOP("RosterModel", "Agent"), QT_TRANSLATE_NOOP("RosterModel", "State"),
           QT_TRANSLATE_NOOP("RosterModel", "Reason"), QT_TRANSLATE_NOOP("RosterModel", "Time in state"),
           QT_TRANSLATE_NOOP("RosterModel", "Asking for help"), QT_TRANSLATE_NOOP("RosterModel", "SIP address"))
AGENT, STATE, REASON, FOR, HELP, AOR = range(len(COLUMNS))
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the RosterRow itself (filters read it)
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex


class RosterModel(QAbstractTableModel):
    def __init__(self, monotonic: Callable[[], float] = time.monotonic, parent: Any = None) -> None:
        super().__init__(parent)
        self._roster: Roster | None = None
        self._rows: tuple[RosterRow, ...] = ()
        self._monotonic = monotonic

    # --- data in ------------------------------------------------------------------------------
    def set_roster(self, roster: Roster) -> None:
        same_agents = [r.agent_id for r in roster.rows] == [r.agent_id for r in self._rows]
        self._roster = roster
        if same_agents:
            self._rows = roster.rows
            self._changed(AGENT, AOR)
        else:
            self.beginResetModel()
            self._rows = roster.rows
            self.endResetModel()

    def tick(self) -> None:
        """A second went by: the durations move, nothing is fetched."""
        self._changed(FOR, HELP)

    def retranslate(self) -> None:
        """The language changed: headers and cells are asked again (they are built in ``tr``)."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        self._changed(AGENT, AOR)

    def _changed(self, first: int, last: int) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, first), self.index(len(self._rows) - 1, last))

    @property
    def roster(self) -> Roster | None:
        return self._roster

    def elapsed(self, since: float | None) -> float | None:
        return self._roster.elapsed(since, self._monotonic()) if self._roster else None

    # --- Qt's side ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("RosterModel", str(COLUMNS[section]))
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATE:
            return QColor(STATE_MARKS[row.state][1])
        if role == Qt.ItemDataRole.FontRole and column == HELP and row.escalations:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _text(self, row: RosterRow, column: int) -> str:
        if column == AGENT:
            if row.role == "team_lead":
                return QCoreApplication.translate("RosterModel", "{agent} (team lead)").format(agent=row.agent_id)
            return row.agent_id
        if column == STATE:
            return f"{STATE_MARKS[row.state][0]} {state_label(row.state)}"
        if column == REASON:
            return reason_label(row.reason)
        if column == FOR:
            return duration(self.elapsed(row.since))
        if column == HELP:
            if not row.escalations:
                return ""
            first = row.escalations[0]
            text = QCoreApplication.translate("RosterModel", "{kind} since {time}").format(
                kind=kind_label(first.kind), time=clock_time(first.raised_at))
            more = len(row.escalations) - 1
            return text + (self.tr(" (+%n more)", "", more) if more else "")
        if column == AOR:
            return row.aor
        return ""

    def _tooltip(self, row: RosterRow, column: int) -> str | None:
        if column == HELP and row.escalations:
            return "\n".join(QCoreApplication.translate(
                "RosterModel", "{kind}: asked at {time}, waiting {waiting}").format(
                    kind=kind_label(e.kind), time=clock_time(e.raised_at),
                    waiting=duration(self.elapsed(e.raised_at))) for e in row.escalations)
        if column == STATE and row.state is Presence.OFFLINE and row.last_seen is not None:
            return QCoreApplication.translate("RosterModel", "No report from this workstation since {time}.").format(
                time=clock_time(row.last_seen))
        return None

    def _sort_key(self, row: RosterRow, column: int) -> Any:
        if column == FOR:
            return -(self.elapsed(row.since) or 0.0)
        if column == HELP:
            return row.escalations[0].raised_at if row.escalations else float("inf")
        if column == STATE:
            return list(Presence).index(row.state)
        return self._text(row, column).lower()


class RosterFilter(QSortFilterProxyModel):
    """Filters by state, by agent id text and to agents asking for help."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.state: Presence | None = None
        self.text = ""
        self.help_only = False
        self.setSortRole(SORT_ROLE)

    def set_filter(self, *, state: Presence | None, text: str, help_only: bool) -> None:
        self.beginFilterChange()
        self.state, self.text, self.help_only = state, text.strip().lower(), help_only
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        row: RosterRow | None = model.data(model.index(source_row, 0, source_parent), ROW_ROLE)
        if row is None:
            return False
        if self.state is not None and row.state is not self.state:
            return False
        if self.help_only and not row.escalations:
            return False
        return not self.text or self.text in row.agent_id.lower()
