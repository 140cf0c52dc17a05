"""The whole agent flow with the keyboard alone, on real components (Kamailio over TLS, a
pjsua2 caller, the reference server with a synthetic patient, gnome-keyring): sign in,
answer, verify, reveal, lock with the call up, unlock, hang up, after-call work.

Only key events reach the application: Tab moves the focus (the test watches where it
lands, it never sets it), shortcuts act, Return and Space press.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from agent_desktop.app.events import WorkstationState
from agent_desktop.demo.kamailio import DEFAULT_USERS
from tests.support.workstation_env import (
    PASSWORD,
    WorkstationEnv,
    workstation_env,  # noqa: F401 - fixture
)
from ui.calls.workspace import CallWorkspace

pytestmark = pytest.mark.usefixtures("secret_service")
MakeShell = Callable[..., Any]
TIMEOUT = 20_000
NO = Qt.KeyboardModifier.NoModifier


def focus() -> QWidget:
    """Where a key press goes: the focused widget, else the active window (as Qt routes it)."""
    widget = QApplication.focusWidget() or QApplication.activeWindow()
    assert widget is not None, "no window takes the keyboard"
    return widget


def key(qtbot: QtBot, k: Qt.Key, modifiers: Qt.KeyboardModifier = NO) -> None:
    qtbot.keyClick(focus(), k, modifiers)


def tab_to(qtbot: QtBot, target: QWidget, limit: int = 60) -> None:
    """Press Tab until ``target`` has the focus (as an agent would)."""
    qtbot.waitUntil(lambda: target.isVisible() and target.isEnabled(), timeout=TIMEOUT)
    seen = []
    for _ in range(limit):
        now = QApplication.focusWidget()
        if now is target:
            return
        seen.append(now.objectName() or type(now).__name__ if now is not None else "-")
        key(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reaches {target.objectName() or type(target).__name__}: {seen}")


def type_text(text: str) -> None:
    """One key event per character, to the focused widget (QTest knows ASCII only)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(focus(), QKeyEvent(kind, 0, NO, ch))


def test_sign_in_answer_verify_reveal_lock_unlock_and_wrap_up_by_keyboard_alone(
        workstation_env: WorkstationEnv, make_shell: MakeShell, qtbot: QtBot) -> None:  # noqa: F811
    env = workstation_env
    first = env.workstation(profile="agent-keys")
    first.enroll(env.enrolment_token(agent="agent-keys"))
    assert first.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"]).registered
    first.shutdown()  # the next start of the application: the vault exists, the agent signs in

    ws = env.workstation(profile="agent-keys")
    shell = make_shell(ws)
    window = shell.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    form = window.sign_in.form
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=TIMEOUT)
    tab_to(qtbot, form.password)
    type_text(PASSWORD)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.page() is window.workspace, timeout=30_000)
    qtbot.waitUntil(lambda: window.workspace.calls is not None, timeout=TIMEOUT)
    calls = window.workspace.calls
    assert isinstance(calls, CallWorkspace)
    qtbot.waitUntil(lambda: ws.phone is not None and ws.phone.registration.state == "registered",
                    timeout=TIMEOUT)

    person = env.patient.person
    caller = env.caller()
    caller.cmd("call", uri=env.agent_uri())
    qtbot.waitUntil(calls.ring.isVisible, timeout=TIMEOUT)
    key(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # answer
    qtbot.waitUntil(lambda: calls.patient.candidates.count() == 1, timeout=TIMEOUT)
    tab_to(qtbot, calls.patient.candidates)
    key(qtbot, Qt.Key.Key_Return)  # this record
    qtbot.waitUntil(calls.verification.start_button.isEnabled, timeout=TIMEOUT)
    tab_to(qtbot, calls.verification.start_button)
    key(qtbot, Qt.Key.Key_Space)

    assert person.birth_date is not None
    for identifier, answer in (("full_name", " ".join(person.given + person.family)),
                               ("date_of_birth", person.birth_date.isoformat()),
                               ("member_id", person.member_id or "")):
        qtbot.waitUntil(lambda i=identifier: i in calls.verification.inputs, timeout=TIMEOUT)
        tab_to(qtbot, calls.verification.inputs[identifier])
        type_text(answer)
        key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: calls.verification.status.text().startswith("✔"), timeout=TIMEOUT)

    box = calls.phi.boxes["demographics"]
    tab_to(qtbot, box.show_button)
    key(qtbot, Qt.Key.Key_Space)  # reveal (recorded)
    qtbot.waitUntil(lambda: bool(box.content.text()), timeout=TIMEOUT)

    key(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.page() is window.lock_screen, timeout=TIMEOUT)
    assert ws.state is WorkstationState.LOCKED and not box.content.text()  # the data left the screen
    assert any(c.state == "confirmed" for c in calls.phone.calls.values())  # the call stays up
    tab_to(qtbot, window.lock_screen.form.password)
    type_text(PASSWORD)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.page() is window.workspace, timeout=30_000)

    key(qtbot, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(calls.after.isVisible, timeout=TIMEOUT)
    tab_to(qtbot, calls.after.save_button)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: bool(calls.after.saved.text()), timeout=TIMEOUT)
    tab_to(qtbot, calls.after.available_button)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not calls.after.isVisible(), timeout=TIMEOUT)
