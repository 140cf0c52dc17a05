"""The language chosen in Settings changes every window at once, the running call workspace
included; signed in, nothing English is left on screen (names and numbers aside)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.support.shell_env import PASSWORD, ShellEnv
from tests.ui.i18n.test_spanish_screens import NEUTRAL, assert_spanish, shown_texts
from ui import i18n

MakeShell = Callable[..., Any]


@pytest.fixture
def english(qapp: QApplication) -> Iterator[i18n.Translation]:
    translation = i18n.install(qapp, "en")
    yield translation
    translation.install("en")


def test_spanish_chosen_in_settings_retranslates_every_window(
        env: ShellEnv, make_shell: MakeShell, english: i18n.Translation, qtbot: QtBot) -> None:
    ws = env.workstation(enrolled=True, vault=True)
    shell = make_shell(ws)
    window = shell.window
    qtbot.keyClicks(window.sign_in.form.password, PASSWORD)
    qtbot.keyClick(window.sign_in.form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.page() is window.workspace, timeout=30_000)
    qtbot.waitUntil(lambda: window.status.registration.text() == "Phone: registered", timeout=20_000)

    shell.open_settings()
    qtbot.waitUntil(lambda: shell.settings_dialog is not None and shell.settings_dialog.isVisible())
    shell.settings_dialog._changed("ui.language", "es")
    qtbot.waitUntil(lambda: english.language == "es", timeout=10_000)
    assert window.status.registration.text() == "Teléfono: registrado"
    # a template the same in both languages ("{action} ({keys})") has its parts rewritten
    assert window.workspace.calls.phone.buttons["hangup"].toolTip().startswith("Colgar (")
    for top in (window, shell.settings_dialog):
        assert_spanish(shown_texts(top), english, NEUTRAL, {ws.profile})
    assert any(t.startswith("4 ajustes fijados") for t in shown_texts(window))  # a plural, retranslated

    shell.settings_dialog._changed("ui.language", "en")
    qtbot.waitUntil(lambda: english.language == "en", timeout=10_000)
    assert window.status.registration.text() == "Phone: registered"
