"""Locking: idle (fake clock, real input filter), the OS screen lock on the session bus and
logind on a private system bus; afterwards no widget anywhere shows the planted PHI."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtDBus import QDBusConnection, QDBusMessage
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from agent_desktop.app.events import WorkstationState
from tests.support.shell_env import PASSWORD, SYNTHETIC_PHI, ShellEnv, phi_left, private_bus
from tests.support.vault_env import FakeClock
from ui.phi import mark_phi

MakeShell = Callable[..., Any]


def plant_phi(shell: Any, qtbot: QtBot) -> None:
    """What the call screens will show once a caller is verified (synthetic values)."""
    name, dob, mrn = SYNTHETIC_PHI
    box = QWidget()
    layout = QVBoxLayout(box)
    label = mark_phi(QLabel(name))
    label.setToolTip(f"{name}, born {dob}")
    field = mark_phi(QLineEdit(mrn))
    notes = mark_phi(QPlainTextEdit())
    for w in (label, field, notes):
        layout.addWidget(w)
    shell.window.workspace.embed_calls(box)
    notes.setFocus()
    qtbot.keyClicks(notes, f"Caller {name} asked about {mrn}")  # leaves an undo history too
    assert phi_left()  # the sweep sees them before the lock


def sign_in(shell: Any, qtbot: QtBot) -> None:
    window = shell.window
    form = window.lock_screen.form if window.page() is window.lock_screen else window.sign_in.form
    qtbot.keyClicks(form.password, PASSWORD)
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.page() is window.workspace, timeout=30_000)


def assert_locked(shell: Any, qtbot: QtBot, words: str) -> None:
    window = shell.window
    qtbot.waitUntil(lambda: window.page() is window.lock_screen, timeout=15_000)
    assert shell.ws.state is WorkstationState.LOCKED
    assert words in window.lock_screen.reason.text()
    assert window.status.isVisible() and window.status.vault.text() == "Vault: locked"
    assert phi_left() == []


def test_idle_lock_after_the_policy_time_clears_every_phi_widget(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    clock = FakeClock(1000.0)
    ws = env.workstation(enrolled=True, vault=True, monotonic=clock,
                         settings=env.settings({"vault.idle_lock_minutes": 5}))
    shell = make_shell(ws)
    sign_in(shell, qtbot)
    plant_phi(shell, qtbot)
    clock.advance(4 * 60)
    qtbot.keyClick(shell.window.workspace.agent_state.combo, Qt.Key.Key_Shift)  # input: filter
    assert ws.idle.idle_seconds() == 0
    clock.advance(4 * 60)
    assert not ws.idle.check()  # 4 min since the last input: not yet
    clock.advance(60 + 1)
    ws.idle.check()  # the tracker's own thread may get there first: either locks
    assert_locked(shell, qtbot, "inactivity")
    sign_in(shell, qtbot)
    assert phi_left() == []  # the record comes back from the vault, not from widgets


@pytest.fixture
def system_bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    proc, address = private_bus()
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", address)
    try:
        yield address
    finally:
        proc.terminate()
        proc.wait(10)


def emit(address: str, path: str, signal: str, *args: str) -> None:
    """Broadcast a signal on that bus as logind would (dbus-send registers on the bus)."""
    subprocess.run(["dbus-send", f"--bus={address}", "--type=signal", path, signal, *args],
                   check=True, timeout=30, capture_output=True)


def test_os_screen_lock_and_suspend_lock_the_workstation(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot, system_bus: str) -> None:
    ws = env.workstation(enrolled=True, vault=True)
    shell = make_shell(ws, os_lock=True)
    assert {"session:org.freedesktop.ScreenSaver.ActiveChanged",
            "system:org.freedesktop.login1.Manager.PrepareForSleep"} <= set(shell.os_lock.listening)
    sign_in(shell, qtbot)

    plant_phi(shell, qtbot)
    message = QDBusMessage.createSignal("/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver",
                                        "ActiveChanged")
    message.setArguments([True])
    assert QDBusConnection.sessionBus().send(message)
    assert_locked(shell, qtbot, "screen locked")

    sign_in(shell, qtbot)
    plant_phi(shell, qtbot)
    emit(system_bus, "/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep",
         "boolean:true")
    assert_locked(shell, qtbot, "went to sleep")

    sign_in(shell, qtbot)
    plant_phi(shell, qtbot)
    emit(system_bus, "/org/freedesktop/login1/session/_31", "org.freedesktop.login1.Session.Lock")
    assert_locked(shell, qtbot, "screen locked")


def test_manual_lock_from_the_header_and_the_shortcut(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    ws = env.workstation(enrolled=True, vault=True)
    shell = make_shell(ws)
    sign_in(shell, qtbot)
    plant_phi(shell, qtbot)
    qtbot.mouseClick(shell.window.workspace.lock_button, Qt.MouseButton.LeftButton)
    assert_locked(shell, qtbot, "You locked")
    sign_in(shell, qtbot)
    assert shell.window.actions_by_name["lock"].shortcut().toString() == "Ctrl+Alt+L"
    shell.window.actions_by_name["lock"].trigger()
    assert_locked(shell, qtbot, "You locked")
