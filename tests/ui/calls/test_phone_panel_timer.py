"""The phone panel's call-duration timer wakes the GUI thread only while a call is up: an
idle signed-in desktop has no Qt timer ticking in the background."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from agent_desktop.phone import events as pev
from ui.calls.phone_panel import PhonePanel


def test_the_call_duration_timer_runs_only_while_a_call_is_up(qtbot: QtBot) -> None:
    ops: Any = object()  # the panel only uses its ops when the agent acts on a call
    panel = PhonePanel(ops)
    qtbot.addWidget(panel)
    assert not panel._ticker.isActive()  # signed in, no call: nothing ticks

    ringing = pev.CallInfo("c1", "incoming", "ringing", "sips:caller@pbx.example.org")
    panel.on_event(pev.IncomingCall(ringing))
    assert panel._ticker.isActive()
    up = pev.CallInfo("c1", "incoming", "confirmed", "sips:caller@pbx.example.org")
    panel.on_event(pev.CallStateChanged(up))
    assert panel._ticker.isActive()
    qtbot.waitUntil(lambda: panel.timer_label.text().startswith("Duration"), timeout=3_000)

    panel.on_event(pev.CallEnded(pev.CallInfo("c1", "incoming", "disconnected", ""), "remote_hangup"))
    assert not panel._ticker.isActive() and panel.timer_label.text() == ""
