"""Sign-in on the real workstation: right password, wrong one, the throttle, a damaged vault."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from agent_desktop.app.events import WorkstationState
from tests.support.shell_env import PASSWORD, ShellEnv

MakeShell = Callable[..., Any]


def test_right_password_opens_the_workspace_with_the_phone_registered(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    ws = env.workstation(enrolled=True, vault=True)
    shell = make_shell(ws)
    window = shell.window
    assert window.page() is window.sign_in
    assert window.sign_in.current_page() is window.sign_in.unlock_page
    assert not window.status.isVisible()
    form = window.sign_in.form
    qtbot.keyClicks(form.password, PASSWORD)
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    assert form.password.text() == ""  # the password does not stay in the widget
    qtbot.waitUntil(lambda: window.page() is window.workspace, timeout=30_000)
    assert ws.state is WorkstationState.READY
    qtbot.waitUntil(lambda: window.status.registration.text() == "Phone: registered", timeout=20_000)
    assert window.status.vault.text() == "Vault: unlocked"
    assert window.workspace.who.text() == ws.profile


def test_wrong_password_says_so_and_counts_down_the_throttle(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    ws = env.workstation(enrolled=True, vault=True)  # policy: 1 free attempt, then 5 s, 10 s...
    shell = make_shell(ws)
    form = shell.window.sign_in.form
    qtbot.keyClicks(form.password, "not-the-password-at-all")
    qtbot.mouseClick(form.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.message.isVisible(), timeout=15_000)
    assert form.message.title.text().startswith("Wrong password (failed attempts: 1)")  # through its code
    assert "Caps Lock" in form.message.hint.text()
    assert form.countdown.isVisible() and form.countdown.running
    assert 0 < form.countdown.seconds_left() <= 5
    assert "Next attempt possible in 0:0" in form.countdown.text()
    qtbot.keyClicks(form.password, PASSWORD)
    assert not form.button.isEnabled()  # refused until the delay is over
    assert ws.state is WorkstationState.LOCKED

    # The vault refuses too (a second window of the same workstation, e.g. after a restart).
    again = make_shell(ws)
    again_form = again.window.sign_in.form
    qtbot.waitUntil(lambda: again_form.countdown.running, timeout=10_000)
    again.unlock(PASSWORD)
    qtbot.waitUntil(lambda: again_form.message.isVisible(), timeout=10_000)
    assert again_form.message.title.text().startswith("Too many failed attempts")
    assert ws.state is WorkstationState.LOCKED


def test_damaged_vault_says_what_to_do(env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    ws = env.workstation(enrolled=True, vault=True)
    ws.vault.db_path.unlink()
    shell = make_shell(ws)
    form = shell.window.sign_in.form
    qtbot.keyClicks(form.password, PASSWORD)
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.message.isVisible(), timeout=15_000)
    # the agent reads the coded text in their language (IT's detail is in the log and `doctor`)
    assert form.message.title.text().startswith("Your local data on this workstation is damaged")
    assert "Call IT support" in form.message.hint.text()
    assert shell.window.page() is shell.window.sign_in
