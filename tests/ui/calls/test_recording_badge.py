"""The agent sees that the selected call is recorded, and may start/stop it on demand."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from agent_desktop.phone import events as pev
from agent_desktop.phone.recording_events import CallRecordingChanged
from ui.calls.recording_badge import RecordingBadge


def test_the_badge_follows_the_selected_calls_recording(qtbot: QtBot) -> None:
    badge = RecordingBadge("on_demand")
    qtbot.addWidget(badge)
    badge.show()
    badge.show_call("c1")
    assert badge.label.text() == "" and badge.button.isVisible() and badge.button.text() == "Record"
    with qtbot.waitSignal(badge.start) as asked:
        badge.button.click()
    assert asked.args == ["c1"]
    badge.on_event(CallRecordingChanged("c1", "announcing"))
    assert "notice" in badge.label.text()
    badge.on_event(CallRecordingChanged("c1", "recording"))
    assert badge.label.text() == "● Recording" and badge.button.text() == "Stop recording"
    badge.show_call("c2")
    assert badge.label.text() == ""  # another call: not recorded
    badge.show_call("c1")
    with qtbot.waitSignal(badge.stop) as asked:
        badge.button.click()
    badge.on_event(pev.CallEnded(pev.CallInfo("c1", "incoming", "disconnected", ""), "remote_hangup"))
    assert badge.label.text() == "" and not badge.button.isVisible()


def test_under_all_calls_the_agent_sees_it_but_has_no_button(qtbot: QtBot) -> None:
    badge = RecordingBadge("all_calls")
    qtbot.addWidget(badge)
    badge.show()
    badge.show_call("c1")
    assert not badge.isVisible()
    badge.on_event(CallRecordingChanged("c1", "recording"))
    assert badge.isVisible() and badge.label.text() == "● Recording" and not badge.button.isVisible()
