"""The team-lead view (pytest-qt, offscreen) over the real server: agents' states, reasons,
durations and requests for help appear; filters; acknowledging; monitoring shown disabled;
a refused lead sees nothing; no caller number or patient anywhere in the widget tree.

``TEAMLEAD_SCREENSHOT=docs/screenshots/teamlead-roster.png`` saves the view as shown (run it
under ``xvfb-run -a`` with ``QT_QPA_PLATFORM=xcb`` for real fonts).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from agent_desktop.app.ops import OpRunner
from agent_desktop.presence.states import AgentStatus, Presence
from tests.support.presence_env import LeadSource, Team
from ui.ops import GuiOps
from ui.teamlead.labels import MONITORING_UNAVAILABLE
from ui.teamlead.model import AGENT, FOR, HELP, REASON, STATE
from ui.teamlead.view import RosterView

CALLER_NUMBER, PATIENT = "+12105550147", "pat-8C41"


@pytest.fixture
def ops(qtbot: QtBot) -> Iterator[GuiOps]:
    runner = OpRunner(workers=2)
    yield GuiOps(SimpleNamespace(ops=runner))  # type: ignore[arg-type] - GuiOps only needs .ops
    for widget in QApplication.topLevelWidgets():  # no refresh may start after the pool is gone
        if isinstance(widget, RosterView):
            widget.stop()
    runner.shutdown()


def cell(view: RosterView, agent: str, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
    model = view.proxy
    for r in range(model.rowCount()):
        if model.index(r, AGENT).data().startswith(agent):
            return model.index(r, column).data(role)
    raise AssertionError(f"{agent} not shown")


def every_text(root: QWidget) -> list[str]:
    """Everything the widget tree could show or read out: labels, buttons, fields, cells."""
    texts: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        texts += [w.accessibleName(), w.toolTip()]
        if isinstance(w, (QLabel, QAbstractButton, QLineEdit)):
            texts.append(w.text())
        if isinstance(w, QAbstractItemView):
            model = w.model()
            for r in range(model.rowCount()):
                for c in range(model.columnCount()):
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                                 Qt.ItemDataRole.AccessibleTextRole):
                        value = model.index(r, c, QModelIndex()).data(role)
                        texts.append("" if value is None else str(value))
    return texts


def test_the_team_lead_sees_the_team_live_filters_it_and_acknowledges_a_request_for_help(
        team: Team, ops: GuiOps, qtbot: QtBot, tmp_path: Path) -> None:
    lead = team.enroll("lead", role="team_lead")
    ana, ben, cy = team.enroll("ana"), team.enroll("ben"), team.enroll("cy")
    team.enroll("dee")  # enrolled, never signed in: offline
    now = time.time()
    ana.publish(AgentStatus(Presence.ON_CALL, since=now - 125, aor=f"sips:{team.id('ana')}@pbx.example.org",
                            escalation="minor_patient", escalated_at=now - 40))
    ben.publish(AgentStatus(Presence.NOT_READY, reason="lunch", since=now - 900))
    cy.publish(AgentStatus(Presence.AFTER_CALL_WORK, since=now - 20))
    cy.escalate("social_engineering", raised_at=now - 5)
    lead.publish(AgentStatus(Presence.AVAILABLE, since=now - 3600))
    # what must never get through: a patient or a caller's number in any field
    raw = team.server.session(team.devices["ana"]["device_token"])
    for body in ({"state": "on_call", "patient": PATIENT}, {"state": "on_call", "caller": CALLER_NUMBER},
                 {"state": "on_call", "aor": f"sips:{CALLER_NUMBER}@pbx"}):
        assert raw.put(team.server.url(f"/v1/agents/{team.id('ana')}/state"), json=body, timeout=10).status_code == 400

    view = RosterView(LeadSource(lead), ops, refresh_seconds=0.5)
    qtbot.addWidget(view)
    view.resize(1000, 620)
    view.show()
    view.start()
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 5 and len(view.escalations.shown()) == 2, timeout=20000)

    assert view.title.text() == f"Team {team.name}"
    assert "5 agents" in view.summary.text() and "2 asking for help" in view.summary.text()
    assert cell(view, team.id("ana"), STATE).endswith("On call")
    assert cell(view, team.id("ben"), REASON) == "Lunch"
    assert cell(view, team.id("dee"), STATE).endswith("Offline") and cell(view, team.id("dee"), FOR) == ""
    assert cell(view, team.id("ana"), HELP).startswith("Minor patient since ")
    # durations tick locally between reads
    first = cell(view, team.id("ben"), FOR)
    assert first.startswith("15:")
    qtbot.waitUntil(lambda: cell(view, team.id("ben"), FOR) != first, timeout=10000)
    assert [e.kind for e in view.escalations.shown()] == ["minor_patient", "social_engineering"]

    # filters
    view.state_filter.setCurrentIndex(view.state_filter.findText("Not ready"))
    assert view.proxy.rowCount() == 1 and cell(view, team.id("ben"), STATE).endswith("Not ready")
    view.state_filter.setCurrentIndex(0)
    view.help_only.setChecked(True)
    assert view.proxy.rowCount() == 2
    view.help_only.setChecked(False)
    view.search.setText("-cy")
    assert view.proxy.rowCount() == 1
    view.search.clear()

    # an agent on a call, but this view has no monitoring: the buttons say why they are off
    row = next(r for r in range(view.proxy.rowCount())
               if view.proxy.index(r, AGENT).data() == team.id("ana"))
    view.table.selectRow(row)
    assert view.monitor_target.text() == f"{team.id('ana')} is on a call:"
    assert view.monitor_reason.text() == MONITORING_UNAVAILABLE
    assert not any(b.isEnabled() for b in view.monitor_buttons.values())

    if target := os.environ.get("TEAMLEAD_SCREENSHOT"):
        qtbot.waitUntil(lambda: view.escalations.item(0, 1) is not None
                        and view.escalations.item(0, 1).text() != "", timeout=10000)
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        assert view.grab().save(target)

    # a state change reaches the view within a refresh
    ben.publish(AgentStatus(Presence.AVAILABLE))
    qtbot.waitUntil(lambda: cell(view, team.id("ben"), STATE).endswith("Available"), timeout=10000)

    # acknowledging: the button, then the server's record reaches the agent
    minor = view.escalations.shown()[0]
    button = view.escalations.findChild(QPushButton, f"ack:{minor.id}")
    assert button is not None and button.accessibleName() == f"Acknowledge Minor patient from {team.id('ana')}"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [e.kind for e in view.escalations.shown()] == ["social_engineering"], timeout=10000)
    assert f"acknowledged by {team.id('lead')}" in view.notice.text()
    echoed = ana.publish(AgentStatus(Presence.ON_CALL, escalation="minor_patient", escalated_at=now - 40))
    assert echoed.escalation is not None and echoed.escalation.acknowledged_by == team.id("lead")

    texts = every_text(view)
    assert any(team.id("ana") in t for t in texts)  # the search below reads the real tree
    for text in texts + team.answers:
        assert CALLER_NUMBER not in text and CALLER_NUMBER[2:] not in text and PATIENT not in text, text
    view.stop()


def test_a_lead_of_another_team_sees_nothing_of_it(team: Team, ops: GuiOps, qtbot: QtBot) -> None:
    team.enroll("ana").publish(AgentStatus(Presence.AVAILABLE))
    stranger = team.client(team.server.token("team_lead", agent="lead-red", team=f"{team.name}-red"))
    stranger.team = team.name  # it asks for this team, as a tampered client would
    view = RosterView(LeadSource(stranger), ops, refresh_seconds=60)
    qtbot.addWidget(view)
    view.start()
    qtbot.waitUntil(lambda: view.status.text().startswith("The roster cannot be shown"), timeout=10000)
    assert "HTTP 403" in view.status.text()
    assert view.proxy.rowCount() == 0 and view.escalations.rowCount() == 0
    assert not any(team.id("ana") in t for t in every_text(view))
    assert isinstance(view.escalations, QTableWidget)
    view.stop()


def test_the_team_lead_window_over_a_workstation_that_is_not_signed_in_says_so(
        tmp_path: Path, qtbot: QtBot, secret_service: str) -> None:
    from agent_desktop.app import Workstation
    from agent_desktop.paths import AppPaths
    from agent_desktop.policy import load_settings
    from ui.teamlead import TeamLeadWindow

    paths = AppPaths(tmp_path / "data", tmp_path / "config", tmp_path / "logs")
    policy = tmp_path / "policy.toml"
    policy.write_text("[presence]\nroster_refresh_seconds = 1\n")
    ws = Workstation(paths, load_settings(paths, policy_file=policy), profile="lead-window")
    ws.guard.mark()  # this thread is the GUI thread: a blocking call here would raise
    gui = GuiOps(ws)
    window = TeamLeadWindow(ws, gui)
    qtbot.addWidget(window)
    try:
        window.show()  # starts the roster reads, through the op runner
        qtbot.waitUntil(lambda: "Sign in first" in window.roster.status.text(), timeout=10000)
        assert window.roster.status.text().startswith("The roster cannot be shown: The roster is not connected.")
        assert window.roster.proxy.rowCount() == 0
    finally:
        window.close()
        ws.guard.clear()
        ws.shutdown()


class FlakySource:
    """A roster source whose server goes away after the first read (an injected fake)."""

    def __init__(self) -> None:
        self.reads = 0

    def team_roster(self) -> Any:
        from agent_desktop.presence.roster import PresenceUnavailable, parse_roster

        self.reads += 1
        if self.reads > 1:
            raise PresenceUnavailable("the audit server cannot be reached for the roster (ConnectionError)")
        row = {"agent_id": "agent-7", "role": "agent", "state": "available", "since": 100.0, "aor": "",
               "last_seen": 100.0, "escalations": [{"id": "e-1", "kind": "need_help", "raised_at": 90.0}]}
        return parse_roster({"team": "green", "now": 110.0, "offline_after": 45, "agents": [row]})

    def acknowledge_escalation(self, escalation_id: str) -> Any:
        from agent_desktop.presence.roster import PresenceError

        raise PresenceError("the audit server refused the acknowledgement (HTTP 403: a team lead may only "
                            "acknowledge escalations of their own team)")


def test_an_unreachable_server_greys_the_last_roster_and_a_failed_acknowledgement_can_be_retried(
        ops: GuiOps, qtbot: QtBot) -> None:
    source = FlakySource()
    view = RosterView(source, ops, refresh_seconds=0.2)
    qtbot.addWidget(view)
    view.start()
    qtbot.waitUntil(lambda: view.status.text().startswith("Roster not updated since"), timeout=10000)
    assert not view.table.isEnabled() and view.proxy.rowCount() == 1  # still shown, visibly old
    assert "cannot be reached" in view.status.text()
    button = view.escalations.findChild(QPushButton, "ack:e-1")
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.notice.text().startswith("Not acknowledged"), timeout=10000)
    assert button.isEnabled() and button.text() == "Acknowledge" and "own team" in view.notice.text()
    view.stop()
