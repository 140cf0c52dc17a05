"""The demo banner: notice with the password, the trail growing, and each control."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from agent_desktop.app import OpRunner
from ui.demo.banner import TEAM_LEAD_NOTE, DemoBanner
from ui.ops import GuiOps


class FakeDemo:
    password = "demo-harbor-lantern-42"
    agent_id = "demo-agent"

    def __init__(self) -> None:
        self.locks = 0
        self.calls = 0
        self.stored = 3
        self.leads = 0

    def call_now(self) -> bool:
        self.calls += 1
        return self.calls == 1  # the second press finds the caller on the line

    def lock_now(self) -> None:
        self.locks += 1

    def audit_trail(self, limit: int = 20) -> dict[str, Any]:
        self.stored += 2
        return {"events": [{"action": "call.answer"}, {"action": "call.incoming"}][:limit],
                "total": self.stored, "chain": "intact"}

    def open_team_lead(self) -> None:
        self.leads += 1

    def who_saw(self) -> dict[str, Any]:
        return {"patient": "pat-070001", "people": [], "events": [
            {"ts": "2026-12-01T10:00:00.000Z", "user": "demo-agent", "action": "verify.pass",
             "outcome": "success", "field_groups": []}]}


class FakeWorkstation:
    """GuiOps needs only the workstation's op runner."""

    def __init__(self) -> None:
        self.ops = OpRunner(workers=1)


@pytest.fixture
def banner(qtbot: QtBot) -> Iterator[tuple[DemoBanner, FakeDemo]]:
    ws = FakeWorkstation()
    demo = FakeDemo()
    widget = DemoBanner(demo, GuiOps(ws), None)  # type: ignore[arg-type]
    qtbot.addWidget(widget)
    widget.show()
    yield widget, demo
    widget.timer.stop()
    ws.ops.shutdown()


def test_says_demo_with_synthetic_data_and_the_password(banner: tuple[DemoBanner, FakeDemo]) -> None:
    widget, _ = banner
    assert "synthetic patients only" in widget.notice.text()
    assert "demo-harbor-lantern-42" in widget.notice.text()


def test_the_trail_grows_with_each_refresh(banner: tuple[DemoBanner, FakeDemo], qtbot: QtBot) -> None:
    widget, _ = banner
    with qtbot.waitSignal(widget.trail_shown, timeout=10_000) as first:
        widget.refresh_trail()
    with qtbot.waitSignal(widget.trail_shown, timeout=10_000) as second:
        widget.refresh_trail()
    assert second.args[0] > first.args[0]
    assert f"{second.args[0]} event(s), hash chain intact" in widget.trail.text()
    assert "call.answer" in widget.trail.text()


def test_call_me_now_and_lock_now(banner: tuple[DemoBanner, FakeDemo]) -> None:
    widget, demo = banner
    widget.call_button.click()
    assert demo.calls == 1 and "dialling you" in widget.message.text()
    widget.call_button.click()
    assert "already on a call" in widget.message.text()
    widget.lock_button.click()
    assert demo.locks == 1 and "Locked" in widget.message.text()


def test_who_saw_shows_the_servers_answer(banner: tuple[DemoBanner, FakeDemo], qtbot: QtBot) -> None:
    widget, _ = banner
    with qtbot.waitSignal(widget.who_saw_shown, timeout=10_000) as shown:
        widget.who_button.click()
    assert "verify.pass" in shown.args[0]
    assert widget.dialog is not None and widget.dialog.isVisible()
    widget.dialog.close()


def test_team_lead_opens_once_and_every_control_is_named(
        banner: tuple[DemoBanner, FakeDemo], qtbot: QtBot) -> None:
    widget, demo = banner
    assert widget.lead_button.isEnabled() and widget.lead_button.toolTip() == TEAM_LEAD_NOTE
    widget.lead_button.click()
    qtbot.waitUntil(lambda: demo.leads == 1, timeout=10_000)
    assert not widget.lead_button.isEnabled()  # one team lead per demo
    for button in (widget.lock_button, widget.call_button, widget.who_button, widget.lead_button):
        assert button.accessibleName() and "&" not in button.accessibleName()
