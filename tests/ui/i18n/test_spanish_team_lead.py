"""The team lead's window in Spanish on a real workstation enrolled as a team lead, over a
real roster on the audit server (agents on a call, not ready, in after-call work, offline,
asking for help): every text of the window, its table headers and cells included, is
Spanish but for names and numbers, and switching language at run time rewrites it all,
both ways.

``TEAMLEAD_SCREENSHOT=docs/screenshots/teamlead-roster.png`` saves the roster as shown to
``teamlead-roster-es.png`` (under ``xvfb-run -a`` with ``QT_QPA_PLATFORM=xcb`` for real fonts).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget
from pytestqt.qtbot import QtBot

from agent_desktop.app.monitoring import SupervisionChanged
from agent_desktop.demo.kamailio import DEFAULT_USERS
from agent_desktop.presence.states import AgentStatus, Presence
from tests.support.presence_env import Team
from tests.support.workstation_env import (
    PASSWORD,
    WorkstationEnv,
    workstation_env,  # noqa: F401 - fixture
)
from tests.ui.i18n.test_spanish_screens import NEUTRAL, WORD, assert_spanish, shown_texts
from ui import i18n
from ui.ops import GuiOps
from ui.teamlead import TeamLeadWindow

pytestmark = pytest.mark.usefixtures("secret_service")
TIMEOUT = 20_000
TEAM = "rojo"


def table_texts(root: QWidget) -> list[str]:
    """What the tables under ``root`` show and read out: headers, cells, their tooltips."""
    texts: list[str] = []
    for view in root.findChildren(QAbstractItemView):
        model = view.model()
        if model is None or not view.isVisibleTo(root):
            continue
        for c in range(model.columnCount()):
            texts.append(str(model.headerData(c, Qt.Orientation.Horizontal) or ""))
            for r in range(model.rowCount()):
                for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                    value = model.index(r, c, QModelIndex()).data(role)
                    texts += [] if value is None else str(value).splitlines()
    return [t for t in texts if t.strip()]


def switch(translation: i18n.Translation, language: str) -> int:
    """Switch, then deliver the LanguageChange events Qt posted (what the event loop does
    next; timers do not run, so nothing else changes on screen)."""
    changed = translation.switch(language)
    QApplication.sendPostedEvents(None, QEvent.Type.LanguageChange.value)
    return changed


def window_texts(window: QWidget) -> list[str]:
    """Every text of the window; the clock's digits as zeros (durations tick as we read)."""
    return sorted(re.sub(r"\d", "0", t) for t in shown_texts(window) + table_texts(window))


@pytest.fixture
def lead_window(workstation_env: WorkstationEnv, spanish: i18n.Translation,  # noqa: F811
                qtbot: QtBot) -> Iterator[tuple[TeamLeadWindow, Team]]:
    env = workstation_env
    team = Team(env.server, TEAM)
    now = time.time()
    ana, ben, cy = team.enroll("ana"), team.enroll("ben"), team.enroll("cy")
    team.enroll("dee")  # enrolled, never signed in: offline
    ana.publish(AgentStatus(Presence.ON_CALL, since=now - 125, aor=f"sips:{team.id('ana')}@pbx.example.org",
                            escalation="minor_patient", escalated_at=now - 40))
    ben.publish(AgentStatus(Presence.NOT_READY, reason="lunch", since=now - 900))
    cy.publish(AgentStatus(Presence.AFTER_CALL_WORK, since=now - 20))
    cy.escalate("social_engineering", raised_at=now - 5)

    ws = env.workstation(**{"ui.language": "es", "presence.roster_refresh_seconds": 1})
    ws.enroll(str(env.server.token("enroll", agent=team.id("lead"), team=TEAM, user_role="team_lead")))
    assert ws.create_vault(PASSWORD, "lead", DEFAULT_USERS["lead"]).registered
    ws.guard.mark()  # this thread is the GUI thread: a blocking call on it would raise
    window = TeamLeadWindow(ws, GuiOps(ws))
    qtbot.addWidget(window)
    window.show()
    try:
        yield window, team
    finally:
        window.close()
        ws.guard.clear()
        ws.shutdown()
        for session in team.sessions:
            session.close()


def test_the_team_lead_window_in_spanish_shows_no_english_and_switches_at_run_time(
        lead_window: tuple[TeamLeadWindow, Team], spanish: i18n.Translation, qtbot: QtBot) -> None:
    window, team = lead_window
    view = window.roster
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 5 and len(view.escalations.shown()) == 2, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: view.escalations.item(0, 1) is not None and view.escalations.item(0, 1).text() != "",
                    timeout=TIMEOUT)
    names = {w for name in ("ana", "ben", "cy", "dee", "lead") for w in WORD.findall(team.id(name).lower())}
    allowed = NEUTRAL | names | {"pbx", "example", "org", "sips"}  # the SIP addresses are names too

    assert view.title.text() == f"Equipo {TEAM}"
    # the lead's own workstation reports itself available once its phone is registered
    qtbot.waitUntil(lambda: view.summary.text() == (
        "5 agentes · 1 disponible · 1 en llamada · 1 en trabajo posterior · 1 no disponible · "
        "1 desconectado · 2 piden ayuda"), timeout=TIMEOUT)
    assert view.model.headerData(0, Qt.Orientation.Horizontal) == "Agente"
    texts = table_texts(window)
    assert "■ No disponible" in texts and "Almuerzo" in texts and f"{team.id('lead')} (supervisor)" in texts
    assert any(t.startswith("Paciente menor de edad desde las ") for t in texts)
    assert_spanish(shown_texts(window) + texts, spanish, allowed)
    if target := os.environ.get("TEAMLEAD_SCREENSHOT"):  # as tests/ui/teamlead does, with "-es"
        path = Path(target).with_name(f"{Path(target).stem}-es.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        assert view.grab().save(str(path))

    # an agent on a call selected, then a session's states as the workstation reports them
    row = next(r for r in range(view.proxy.rowCount()) if view.proxy.index(r, 0).data() == team.id("ana"))
    view.table.selectRow(row)
    assert view.monitor_target.text() == f"{team.id('ana')} está en llamada:"
    assert view.monitor_buttons["listen"].isEnabled()
    assert_spanish(shown_texts(window), spanish, allowed)
    view.on_supervision(SupervisionChanged(team.id("ana"), "listen", "calling"))
    assert view.monitor_reason.text() == f"Llamando al teléfono de {team.id('ana')}…"
    view.on_supervision(SupervisionChanged(team.id("ana"), "whisper", "up"))
    assert view.monitor_reason.text() == f"Guiando a {team.id('ana')}: solo te oye el agente."
    assert_spanish(shown_texts(window), spanish, allowed)

    # to English at run time, and back: no timer runs from here to the comparison
    before = window_texts(window)
    assert switch(spanish, "en") > 10
    english = shown_texts(window) + table_texts(window)
    assert window.windowTitle().endswith(": team lead") and view.title.text() == f"Team {TEAM}"
    assert view.summary.text().startswith("5 agents · 1 available · 1 on call")
    assert view.model.headerData(3, Qt.Orientation.Horizontal) == "Time in state"
    assert view.escalations.horizontalHeaderItem(0).text() == "Asked at"
    assert view.monitor_reason.text() == f"Coaching {team.id('ana')}: only the agent hears you."
    assert "Lunch" in english and "■ Not ready" in english
    catalogue_es = {es for c, s in i18n.catalogue() if (es := i18n._text(i18n._load("es"), c, s)) != s}
    assert not catalogue_es & set(english), catalogue_es & set(english)
    assert switch(spanish, "es") > 10
    assert window_texts(window) == before, set(window_texts(window)) ^ set(before)

    view.on_supervision(SupervisionChanged(team.id("ana"), "", "ended", "remote_hangup"))
    assert view.monitor_reason.text() == f"Terminó la supervisión de {team.id('ana')}. La llamada del agente terminó."
    assert_spanish(shown_texts(window) + table_texts(window), spanish, allowed)
