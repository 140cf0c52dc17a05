"""The call strip on the lock screen, on real components: Kamailio over TLS, a pjsua2 caller
registered as a synthetic patient's number, the reference server with its FHIR store,
gnome-keyring, the shell's own main window. The test thread is the GUI thread and is
marked: a widget calling a blocking workstation function would raise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from agent_desktop.app import Workstation
from agent_desktop.app.events import WorkstationState
from agent_desktop.demo.kamailio import DEFAULT_USERS
from agent_desktop.demo.sip_peer import PeerProcess
from tests.support.phone_helpers import peer_hears
from tests.support.shell_env import widget_texts
from tests.support.workstation_env import (
    AGENT_TONE_HZ,
    PASSWORD,
    WorkstationEnv,
    digits,
    workstation_env,  # noqa: F401 - fixture
)
from tests.ui.i18n.accessible import focus_invisible, unlabelled
from ui.calls.workspace import CallWorkspace

pytestmark = pytest.mark.usefixtures("secret_service")
MakeShell = Callable[..., Any]
TIMEOUT = 20_000
CTRL = Qt.KeyboardModifier.ControlModifier
REMOTE_HOLD, ACTIVE = 3, 1  # pjsua's media status at the far end


@pytest.fixture
def signed_in(workstation_env: WorkstationEnv, make_shell: MakeShell,  # noqa: F811
              qtbot: QtBot) -> Iterator[Callable[..., Any]]:
    """``signed_in(**policy)`` -> the shell on a signed-in workstation, its phone registered."""
    made: list[Workstation] = []

    def make(**policy: Any) -> Any:
        ws = workstation_env.workstation(**policy)
        made.append(ws)
        ws.enroll(workstation_env.enrolment_token(agent=ws.profile))
        assert ws.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"]).registered
        shell = make_shell(ws)  # marks this thread as the GUI thread
        assert shell.window.page() is shell.window.workspace
        return shell

    yield make
    for ws in made:  # one agent registered at a time: the next test's calls must not fork
        ws.guard.clear()
        ws.shutdown()


def calls_of(shell: Any) -> CallWorkspace:
    calls = shell.window.workspace.calls
    assert isinstance(calls, CallWorkspace)
    return calls


def answered(shell: Any, env: WorkstationEnv, caller: PeerProcess, qtbot: QtBot) -> tuple[str, int]:
    """A call from the patient's number answered in the workspace, its record popped."""
    pcall = int(caller.cmd("call", uri=env.agent_uri())["call"])
    calls = calls_of(shell)
    qtbot.waitUntil(calls.ring.isVisible, timeout=TIMEOUT)
    calls.ring.answer_button.click()
    qtbot.waitUntil(lambda: any(c.state == "confirmed" and c.media_active for c in calls.phone.calls.values()),
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: calls.patient.candidates.count() == 1, timeout=TIMEOUT)  # the screen pop
    assert calls.phone.current is not None
    return calls.phone.current, pcall


def lock(shell: Any, qtbot: QtBot) -> None:
    shell.lock("manual")
    qtbot.waitUntil(lambda: shell.window.page() is shell.window.lock_screen, timeout=TIMEOUT)
    assert shell.ws.state is WorkstationState.LOCKED


def press(qtbot: QtBot, key: Qt.Key, modifiers: Qt.KeyboardModifier = CTRL) -> None:
    """A key to where the keyboard is on the lock screen (the password field has it)."""
    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert target is not None
    qtbot.keyClick(target, key, modifiers)


def phi_of(env: WorkstationEnv) -> list[str]:
    """The synthetic patient's identifying values: none may reach the lock screen."""
    p = env.patient.person
    values = [*(n for n in (*p.given, *p.family) if len(n) > 3), p.member_id or "", p.phone or "",
              digits(p.phone or ""),
              digits(p.phone or "")[-4:], env.patient.id]
    if p.birth_date is not None:
        values.append(p.birth_date.isoformat())
    return [v for v in values if v]


def lock_screen_texts(shell: Any) -> str:
    screen = shell.window.lock_screen
    texts = []
    for widget in [screen, *screen.findChildren(QWidget)]:
        texts.extend(widget_texts(widget))
        texts.append(widget.accessibleName())
    return "\n".join(texts)


def peer_saw(peer: PeerProcess, pred: Callable[[dict[str, Any]], bool]) -> bool:
    return any(pred(e) for e in list(peer.events))


def media(pcall: int, status: int) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e.get("event") == "media" and e["call"] == pcall and e["status"] == status


def test_a_call_up_at_lock_shows_masked_with_its_duration_and_encryption_and_no_phi(
        signed_in: Callable[..., Any], workstation_env: WorkstationEnv, qtbot: QtBot) -> None:  # noqa: F811
    env = workstation_env
    shell = signed_in()
    caller = env.caller()
    call_id, _ = answered(shell, env, caller, qtbot)
    suite = shell.ws.phone.calls()[call_id].srtp_suite
    assert suite
    lock(shell, qtbot)

    strip = shell.lock_strip
    assert strip.frame.isVisible() and strip.shown == call_id
    number = digits(env.patient.person.phone or "")
    assert strip.caller.text() == "••• ••• ••" + number[-2:]
    assert strip.title.text() == "☎ Call in progress"
    assert strip.security.text() == f"✔ Encrypted: TLS signalling, SRTP media ({suite})"
    assert [b.text() for b in strip.buttons.values() if b.isVisible()] == ["Hold", "Mute", "Hang up"]
    before = strip.timer_label.text()
    assert before
    qtbot.waitUntil(lambda: strip.timer_label.text() not in ("", before), timeout=5_000)  # it ticks
    assert strip.policy_note.isVisible() and "do not ring" in strip.policy_note.text()

    shown = lock_screen_texts(shell)
    assert [v for v in phi_of(env) if v in shown] == []
    assert unlabelled(strip) == []  # every control named and described for a screen reader
    shell.window.activateWindow()
    qtbot.waitUntil(shell.window.isActiveWindow, timeout=TIMEOUT)
    visible = [b for b in strip.buttons.values() if b.isVisible()]
    assert focus_invisible(shell.window.lock_screen, visible) == []
    shell.window.lock_screen.form.password.setFocus()  # where the lock screen puts it
    reached = []
    for _ in range(8):  # Tab walks from the password to the call's buttons
        press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier)
        reached.append(QApplication.focusWidget())
    assert visible == [w for w in reached if w in visible][:len(visible)], reached

    # policy "not_ready" (the default), as the note says: a new call does not ring here
    other = env.caller("caller")
    other.cmd("call", uri=env.agent_uri())
    other.wait_event(lambda e: e.get("event") == "call_state" and e["state"] == "disconnected"
                     and e["code"] == 486, what="busy while locked")
    qtbot.wait(200)  # let any queued phone event reach the strip (there must be none for it)
    assert list(strip.calls) == [call_id] and not strip.others.isVisible()
    caller.close()
    other.close()


def test_hold_mute_and_hang_up_from_the_lock_screen_act_on_the_real_call(
        signed_in: Callable[..., Any], workstation_env: WorkstationEnv,  # noqa: F811
        qtbot: QtBot, tmp_path: Path) -> None:
    env = workstation_env
    shell = signed_in()
    caller = env.caller()
    call_id, pcall = answered(shell, env, caller, qtbot)
    lock(shell, qtbot)
    strip = shell.lock_strip
    window = shell.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    assert QApplication.focusWidget() is window.lock_screen.form.password

    caller.clear_events()
    strip.buttons["hold"].click()  # the button
    qtbot.waitUntil(lambda: peer_saw(caller, media(pcall, REMOTE_HOLD)), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: strip.buttons["hold"].text() == "Resume", timeout=TIMEOUT)
    assert strip.flags.text() == "On hold" and strip.buttons["hold"].accessibleName() == "Resume the call"
    caller.clear_events()
    press(qtbot, Qt.Key.Key_H)  # the workspace's key, here too
    qtbot.waitUntil(lambda: peer_saw(caller, media(pcall, ACTIVE)), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: strip.buttons["hold"].text() == "Hold", timeout=TIMEOUT)

    press(qtbot, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: strip.buttons["mute"].text() == "Unmute", timeout=TIMEOUT)
    assert shell.ws.phone.calls()[call_id].muted and "muted" in strip.flags.text()
    assert peer_hears(caller, pcall, tmp_path)[1] < 50, "muted: the caller must hear silence"
    strip.buttons["mute"].click()
    qtbot.waitUntil(lambda: strip.buttons["mute"].text() == "Mute", timeout=TIMEOUT)
    assert abs(peer_hears(caller, pcall, tmp_path)[0] - AGENT_TONE_HZ) < 5

    # the lock screen's keys reach the call and nothing behind the lock
    for key, modifiers in ((Qt.Key.Key_Comma, CTRL), (Qt.Key.Key_A, CTRL | Qt.KeyboardModifier.AltModifier)):
        press(qtbot, key, modifiers)
    qtbot.wait(200)
    assert shell.settings_dialog is None and window.page() is window.lock_screen
    assert shell.ws.state is WorkstationState.LOCKED

    caller.clear_events()
    press(qtbot, Qt.Key.Key_E, CTRL | Qt.KeyboardModifier.ShiftModifier)  # hang up
    qtbot.waitUntil(lambda: peer_saw(caller, lambda e: e.get("event") == "call_state"
                                     and e["state"] == "disconnected"), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not strip.frame.isVisible(), timeout=TIMEOUT)
    assert strip.caller.text() == "" and not shell.ws.phone.calls()
    caller.close()


def test_under_the_ring_policy_a_call_rings_on_the_lock_screen_is_answered_there_and_pops_after_unlock(
        signed_in: Callable[..., Any], workstation_env: WorkstationEnv,  # noqa: F811
        qtbot: QtBot, tmp_path: Path) -> None:
    env = workstation_env
    shell = signed_in(**{"vault.locked_calls": "ring"})
    window = shell.window
    lock(shell, qtbot)
    strip = shell.lock_strip
    assert not strip.policy_note.isVisible() and not strip.frame.isVisible()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)

    caller = env.caller()
    pcall = int(caller.cmd("call", uri=env.agent_uri())["call"])
    qtbot.waitUntil(strip.frame.isVisible, timeout=TIMEOUT)
    assert strip.title.text() == "☎ Incoming call" and strip.frame.property("ringing")
    assert strip.caller.text() == "••• ••• ••" + digits(env.patient.person.phone or "")[-2:]
    assert strip.security.text().startswith(("✔ ", "⚠ "))  # in words either way
    assert [b.text() for b in strip.buttons.values() if b.isVisible()] == ["Answer", "Reject"]
    assert [v for v in phi_of(env) if v in lock_screen_texts(shell)] == []

    press(qtbot, Qt.Key.Key_Return)  # Ctrl+Return answers, without unlocking
    qtbot.waitUntil(lambda: strip.title.text() == "☎ Call in progress", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: any(c.media_active for c in shell.ws.phone.calls().values()), timeout=TIMEOUT)
    assert shell.ws.state is WorkstationState.LOCKED
    assert "SRTP" in strip.security.text()
    assert abs(peer_hears(caller, pcall, tmp_path)[0] - AGENT_TONE_HZ) < 5  # audio flows
    assert [v for v in phi_of(env) if v in lock_screen_texts(shell)] == []
    calls = calls_of(shell)
    assert calls.patient.candidates.count() == 0  # no screen pop while locked

    form = window.lock_screen.form
    qtbot.keyClicks(form.password, PASSWORD)
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.page() is window.workspace, timeout=30_000)
    # in the workspace: the same call, and the screen pop that waited for the unlock
    qtbot.waitUntil(lambda: calls.patient.candidates.count() == 1, timeout=TIMEOUT)
    assert [c.state for c in calls.phone.calls.values()] == ["confirmed"]
    assert calls.call_id == strip.shown
    calls.phone.hangup()
    caller.wait_event(lambda e: e.get("event") == "call_state" and e["state"] == "disconnected",
                      what="the call ended")
    caller.close()
