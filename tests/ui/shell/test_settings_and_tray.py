"""Settings (policy-locked ones not editable, changes live through the workstation), the
tray fallback where the desktop has none, and asking before quitting with unsynced events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QKeySequenceEdit, QSpinBox, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from agent_desktop.app.events import WorkstationState
from tests.support.shell_env import PASSWORD, ShellEnv

MakeShell = Callable[..., Any]


def test_locked_settings_are_greyed_and_changes_apply_live(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    settings = env.settings({"ui.language": "en", "vault.idle_lock_minutes": 8,
                             "ui.shortcut_settings": "Ctrl+Shift+S"},
                            locked=("ui.language", "ui.shortcut_settings"))
    ws = env.workstation(settings=settings)
    shell = make_shell(ws)
    shell.open_settings()
    qtbot.waitUntil(lambda: shell.settings_dialog is not None and shell.settings_dialog.isVisible())
    dialog = shell.settings_dialog
    language = dialog.controls["ui.language"]
    assert isinstance(language, QComboBox) and not language.isEnabled()
    assert dialog.captions["ui.language"].text() == "Set by your organisation"
    assert not dialog.captions["ui.language"].isHidden()
    shortcut = dialog.controls["ui.shortcut_settings"]
    assert isinstance(shortcut, QKeySequenceEdit) and not shortcut.isEnabled()
    dialog._changed("ui.language", "es")  # even if a signal got through, nothing is asked
    assert ws.settings.get("ui.language") == "en"

    idle = dialog.controls["vault.idle_lock_minutes"]
    assert isinstance(idle, QSpinBox) and idle.isEnabled()
    assert idle.maximum() == 8  # the policy's value is a ceiling
    assert "up to 8" in dialog.captions["vault.idle_lock_minutes"].text()
    idle.setValue(3)
    idle.editingFinished.emit()
    qtbot.waitUntil(lambda: ws.settings.get("vault.idle_lock_minutes") == 3, timeout=10_000)
    assert "idle_lock_minutes = 3" in ws.settings.user_file.read_text()

    lock = dialog.controls["ui.shortcut_lock"]
    assert isinstance(lock, QKeySequenceEdit)
    lock.setKeySequence("Ctrl+Alt+K")
    lock.editingFinished.emit()
    qtbot.waitUntil(lambda: shell.window.actions_by_name["lock"].shortcut().toString() == "Ctrl+Alt+K",
                    timeout=10_000)

    capture = dialog.controls["sip.capture_device"]
    assert isinstance(capture, QComboBox) and capture.itemText(0) == "System default"


def test_no_tray_falls_back_and_quitting_with_unsynced_events_asks_first(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen, like Xvfb: no tray
    env.workstation(enrolled=True, vault=True, profile="offline-agent")
    offline = env.settings(server_url="https://localhost:9")  # the audit server is unreachable
    ws = env.workstation(profile="offline-agent", settings=offline)
    questions: list[tuple[str, str]] = []
    answers = [False, True]

    def ask(title: str, text: str) -> bool:
        questions.append((title, text))
        return answers.pop(0)

    shell = make_shell(ws, tray=True, ask=ask)
    assert shell.tray is None
    shell.unlock(PASSWORD)
    qtbot.waitUntil(lambda: shell.window.page() is shell.window.workspace, timeout=30_000)

    shell.window.close()  # no tray: closing the window means quitting, so it asks
    qtbot.waitUntil(lambda: len(questions) == 1, timeout=10_000)
    assert "audit event(s) have not reached the audit server" in questions[0][1]
    assert shell.window.isVisible() and ws.state is WorkstationState.READY  # "Keep working"

    with qtbot.waitSignal(shell.quit_finished, timeout=60_000):
        shell.window.close()
        qtbot.waitUntil(lambda: len(questions) == 2, timeout=10_000)
    assert ws.state is WorkstationState.STOPPED
    assert not shell.window.isVisible()


def test_tray_menu_offers_state_lock_and_quit(qtbot: QtBot) -> None:
    from ui.tray import Tray

    tray = Tray("break")
    texts = [a.text() for a in tray.menu.actions() if a.text()]
    assert texts == ["Not signed in", "Show Agent Desktop", "Available", "Not ready", "Lock", "Quit"]
    with qtbot.waitSignal(tray.state_requested) as signal:
        tray.menu.actions()[4].trigger()
    assert signal.args[1] == "break"
    tray.show_status("Available")
    assert tray.icon.toolTip() == "Agent Desktop — Available"
    tray.close()


def test_a_device_chosen_in_settings_reaches_the_phone(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    from tests.support.phone_helpers import SimulatedDevices

    devices = SimulatedDevices(["Built-in Audio", "USB Headset"])
    ws = env.workstation(enrolled=True, vault=True, phone_options={"device_layer": devices.factory})
    shell = make_shell(ws)
    shell.unlock(PASSWORD)
    qtbot.waitUntil(lambda: shell.window.page() is shell.window.workspace, timeout=30_000)
    shell.open_settings()
    qtbot.waitUntil(lambda: shell.settings_dialog is not None and shell.settings_dialog.isVisible(),
                    timeout=10_000)
    capture = shell.settings_dialog.controls["sip.capture_device"]
    assert isinstance(capture, QComboBox)
    assert [capture.itemText(i) for i in range(capture.count())] == [
        "System default", "Built-in Audio", "USB Headset"]
    assert devices.applied[-1] == (-1, -1)
    capture.setCurrentIndex(2)
    capture.activated.emit(2)
    qtbot.waitUntil(lambda: ws.settings.get("sip.capture_device") == "USB Headset", timeout=10_000)
    qtbot.waitUntil(lambda: devices.applied[-1] == (1, -1), timeout=10_000)  # the engine uses it
