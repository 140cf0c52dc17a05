"""The team-lead role: after sign-in a team_lead enrolment opens the roster in its own window
while the main window keeps the phone; locking closes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from pytestqt.qtbot import QtBot

from tests.support.shell_env import ShellEnv
from tests.ui.shell.test_lock import assert_locked, sign_in

MakeShell = Callable[..., Any]


def test_a_team_lead_gets_the_roster_beside_the_phone(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    ws = env.workstation(enrolled=True, vault=True, role="team_lead")
    shell = make_shell(ws)
    assert shell.team_window is None  # nothing before sign-in
    sign_in(shell, qtbot)
    team = shell.team_window
    assert team is not None and team.isVisible()
    assert shell.window.workspace.calls.phone.number.isEnabled()  # the phone stays usable
    qtbot.waitUntil(lambda: team.roster.last_read is not None, timeout=15_000)  # real server read
    shell.lock("manual")
    assert_locked(shell, qtbot, "You locked")
    assert shell.team_window is None
    assert not shiboken6.isValid(team) or not team.isVisible()  # closed, then deleted


def test_an_agent_gets_no_team_view(env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    shell = make_shell(env.workstation(enrolled=True, vault=True))
    sign_in(shell, qtbot)
    assert shell.team_window is None
