"""The signed-in frame: the agent state selector drives the real phone, after-call work
counts down, the status bar shows the audit link, a chain break raises the banner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytestqt.qtbot import QtBot

from agent_desktop.audit.notices import AuditChainAlert
from agent_desktop.presence.states import Presence
from tests.support.shell_env import PASSWORD, ShellEnv

MakeShell = Callable[..., Any]


def choose(combo: Any, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_agent_state_status_bar_and_banner(env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    ws = env.workstation(enrolled=True, vault=True,
                         settings=env.settings({"agent.not_ready_reasons": ["lunch", "coaching"],
                                                "sip.after_call_work_seconds": 30}))
    shell = make_shell(ws)
    shell.unlock(PASSWORD)
    window = shell.window
    qtbot.waitUntil(lambda: window.page() is window.workspace, timeout=30_000)
    selector = window.workspace.agent_state
    combo = selector.combo
    offered = [combo.itemText(i) for i in range(combo.count())
               if combo.model().item(i).isEnabled()]
    assert offered == ["Available", "After-call work", "Not ready · Lunch", "Not ready · Coaching"]

    choose(combo, "Not ready · Lunch")
    qtbot.waitUntil(lambda: ws.status.status.state is Presence.NOT_READY
                    and ws.status.status.reason == "lunch", timeout=10_000)
    qtbot.waitUntil(lambda: combo.currentText() == "Not ready · Lunch", timeout=5_000)

    choose(combo, "After-call work")
    qtbot.waitUntil(lambda: selector.acw.isVisible(), timeout=10_000)
    assert selector.acw.text() in ("0:30 left", "0:29 left", "0:28 left")

    choose(combo, "Available")
    qtbot.waitUntil(lambda: ws.status.status.state is Presence.AVAILABLE, timeout=10_000)
    qtbot.waitUntil(lambda: not selector.acw.isVisible(), timeout=5_000)

    # Settings: the test tone reaches the headset (the bridge's level meter sees it), then stops
    shell.open_settings()
    qtbot.waitUntil(lambda: shell.settings_dialog is not None and shell.settings_dialog.isVisible(),
                    timeout=10_000)
    dialog = shell.settings_dialog
    assert dialog.tone_button.isEnabled()
    assert dialog.speaker_level.value() == 0
    dialog.tone_button.click()
    qtbot.waitUntil(lambda: dialog.speaker_level.value() > 0, timeout=10_000)
    dialog.tone_button.click()
    qtbot.waitUntil(lambda: dialog.speaker_level.value() == 0, timeout=10_000)
    dialog.close()
    qtbot.waitUntil(lambda: shell.settings_dialog is None, timeout=5_000)

    qtbot.waitUntil(lambda: window.status.audit.text().startswith("Audit: online"), timeout=20_000)
    assert ws.credentials is not None
    ws.bus.publish(AuditChainAlert(ws.credentials.device_id, 7, "chain break at seq 7"))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5_000)
    assert "break in this workstation's audit chain at event 7" in window.banner.text.text()
    assert window.banner.accessibleDescription() == window.banner.text.text()
