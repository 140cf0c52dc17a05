"""The team lead's Listen / Whisper / Barge / Hang up buttons drive a real monitoring
session: the lead's Workstation (real phone, real audit server granting) calls the agent's
address of record from the roster; a pjsua2 peer stands in for the agent's phone and shows
the grant it received. The agent's notice widget follows policy's words."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import pytestqt.exceptions
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from agent_desktop.app import Workstation
from agent_desktop.app.monitoring import AgentMonitoring, MonitoringNotice
from agent_desktop.bus import EventBus
from agent_desktop.demo.kamailio import DEFAULT_USERS
from agent_desktop.demo.sip_peer import PeerProcess
from agent_desktop.monitoring.grant import verify_grant
from agent_desktop.phone import events as pev
from agent_desktop.presence.client import PresenceClient
from agent_desktop.presence.states import AgentStatus, Presence
from tests.support.workstation_env import (
    PASSWORD,
    WorkstationEnv,
    workstation_env,  # noqa: F401 - fixture
)
from ui.calls.monitor_notice import MonitorNotice
from ui.ops import GuiOps
from ui.teamlead.model import AGENT
from ui.teamlead.view import RosterView
from ui.teamlead.window import TeamLeadWindow

pytestmark = pytest.mark.usefixtures("secret_service")
TEAM = "ui-monitor-team"


def shot(widget: object, name: str) -> None:
    """MONITOR_SCREENSHOTS=docs/screenshots saves each monitoring state there."""
    if folder := os.environ.get("MONITOR_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        assert widget.grab().save(str(Path(folder) / f"monitor-{name}.png"))  # type: ignore[attr-defined]


def test_the_roster_buttons_listen_coach_barge_and_hang_up(
        workstation_env: WorkstationEnv, qtbot: QtBot) -> None:  # noqa: F811
    env = workstation_env
    enrolment = env.server.enroll("ui-agent", team=TEAM)
    agent = PresenceClient(env.server.base_url, env.server.session(), token=enrolment["device_token"],
                           agent_id="ui-agent", team=TEAM)
    agent_phone = env.caller(user="peer2")  # the agent's phone: answers and shows the grant
    agent_phone.cmd("autoanswer", code=200)
    agent.publish(AgentStatus(Presence.ON_CALL, since=time.time() - 65, aor=env.kamailio.uri("peer2")))

    ws = env.workstation(**{"presence.roster_refresh_seconds": 1})
    creds = ws.enroll(env.server.token("enroll", agent="ui-lead", team=TEAM, user_role="team_lead"))
    assert ws.create_vault(PASSWORD, "lead", DEFAULT_USERS["lead"]).registered
    ws.guard.mark()
    try:
        drive_the_buttons(ws, agent_phone, creds.receipt_public_key, qtbot)
    finally:
        ws.guard.clear()
        ws.shutdown()


def agent_row(view: RosterView) -> int:
    rows = [r for r in range(view.proxy.rowCount()) if view.proxy.index(r, AGENT).data() == "ui-agent"]
    return rows[0] if rows else -1


def drive_the_buttons(ws: Workstation, agent_phone: PeerProcess, server_key: str, qtbot: QtBot) -> None:
    window = TeamLeadWindow(ws, GuiOps(ws))
    qtbot.addWidget(window)
    window.show()
    try:
        click_through(window, agent_phone, server_key, qtbot)
    finally:
        window.close()  # stops the roster's timers before the workstation goes


def says(qtbot: QtBot, view: RosterView, prefix: str, ready: str) -> None:
    """Wait for the bar to say ``prefix`` and the ``ready`` button to come back; a refusal
    ("Not done: ...") fails at once with its words."""
    def check() -> bool:
        text = view.monitor_reason.text()
        assert not text.startswith("Not done"), text
        return text.startswith(prefix) and view.monitor_buttons[ready].isEnabled()

    try:
        qtbot.waitUntil(check, timeout=15000)
    except pytestqt.exceptions.TimeoutError as err:
        raise AssertionError(f"the bar says {view.monitor_reason.text()!r}, not {prefix!r}") from err


def click_through(window: TeamLeadWindow, agent_phone: PeerProcess, server_key: str, qtbot: QtBot) -> None:
    view = window.roster
    qtbot.waitUntil(lambda: agent_row(view) >= 0, timeout=15000)
    buttons = view.monitor_buttons
    assert not buttons["listen"].isEnabled()  # nothing selected yet
    view.table.selectRow(agent_row(view))
    assert all(buttons[m].isEnabled() for m in ("listen", "whisper", "barge"))
    assert not buttons["hangup"].isEnabled()

    qtbot.mouseClick(buttons["listen"], Qt.MouseButton.LeftButton)
    says(qtbot, view, "Listening to ui-agent", "hangup")
    incoming = agent_phone.wait_event(lambda e: e.get("event") == "incoming", what="monitoring INVITE")
    grant = verify_grant(server_key, incoming["grant"], agent="ui-agent")
    assert (grant["sup"], grant["mode"]) == ("ui-lead", "listen")
    assert not buttons["listen"].isEnabled() and buttons["whisper"].isEnabled()
    shot(window, "listen")

    qtbot.mouseClick(buttons["whisper"], Qt.MouseButton.LeftButton)
    says(qtbot, view, "Coaching ui-agent", "barge")
    shot(window, "whisper")
    qtbot.mouseClick(buttons["barge"], Qt.MouseButton.LeftButton)
    says(qtbot, view, "In ui-agent's call", "hangup")
    shot(window, "barge")

    qtbot.mouseClick(buttons["hangup"], Qt.MouseButton.LeftButton)
    says(qtbot, view, "Monitoring of ui-agent ended", "listen")
    assert "You hung up." in view.monitor_reason.text()
    assert buttons["listen"].isEnabled() and not buttons["hangup"].isEnabled()


@pytest.mark.parametrize("notify", [True, False])
def test_the_agents_notice_follows_policy_during_listen_and_always_shows_whisper_and_barge(
        notify: bool, qtbot: QtBot) -> None:
    bus = EventBus()
    notices: list[MonitoringNotice] = []
    bus.subscribe(MonitoringNotice, notices.append)
    monitoring = AgentMonitoring(bus, lambda: notify)
    widget = MonitorNotice()
    qtbot.addWidget(widget)
    widget.resize(560, 40)
    widget.show()
    ids = ("call-1", "leg-1", "lead-a", "n" * 32)
    for event in (pev.MonitorStarted(*ids, mode="listen", granted="barge"),
                  pev.MonitorModeChanged(*ids, mode="whisper", previous="listen", via="dtmf"),
                  pev.MonitorModeChanged(*ids, mode="barge", previous="whisper", via="dtmf"),
                  pev.MonitorEnded(*ids, cause="supervisor_hangup", seconds=3.0)):
        bus.publish(event)
        widget.on_notice(notices[-1])
        if isinstance(event, pev.MonitorStarted):
            assert widget.isVisible() is notify
            assert ("listening" in widget.text()) is notify
            if notify:
                shot(widget, "agent-notice-listen")
        elif isinstance(event, pev.MonitorModeChanged):
            assert widget.isVisible() and "lead-a" in widget.text()
            if event.mode == "barge":
                assert "the caller hears them too" in widget.text()
                shot(widget, "agent-notice-barge")
        else:
            assert not widget.isVisible() and widget.text() == ""
    monitoring.close()
