"""The verification panel keeps the agent's typing while the script moves on: a matched
answer must not rebuild the fields the agent is already typing the next answer into."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from agent_desktop.app.calls import CallView
from agent_desktop.verify.engine import Prompt
from agent_desktop.verify.script import Text
from ui.calls.verification_panel import VerificationPanel

IDS = ("full_name", "date_of_birth", "member_id")


def view(stage: str, identifiers: tuple[str, ...]) -> CallView:
    prompt = Prompt(stage, identifiers, len(identifiers),
                    {i: Text(f"Ask for {i}", f"Pregunte {i}") for i in identifiers})
    return CallView("call-1", "incoming", "found", (), False, "patient-1", "asking", (), prompt, 0, False)


def test_a_matched_answer_keeps_the_next_fields_and_what_is_typed_in_them(qtbot: QtBot) -> None:
    panel = VerificationPanel()
    qtbot.addWidget(panel)
    panel.show_view(view("patient", IDS))
    fields = dict(panel.inputs)
    fields["date_of_birth"].setText("1980-")  # the agent types on while the name is checked

    panel.show_view(view("patient", IDS[1:]))  # the name matched

    assert panel.inputs == fields  # the very same widgets
    assert fields["date_of_birth"].text() == "1980-"
    assert not fields["full_name"].isEnabled()
    assert fields["date_of_birth"].isEnabled() and fields["member_id"].isEnabled()


def test_the_next_stage_builds_its_own_fields(qtbot: QtBot) -> None:
    panel = VerificationPanel()
    qtbot.addWidget(panel)
    panel.show_view(view("caller", ("full_name",)))
    caller_field = panel.inputs["full_name"]
    panel.show_view(view("patient", IDS))
    assert set(panel.inputs) == set(IDS)
    assert panel.inputs["full_name"] is not caller_field
    assert all(f.isEnabled() and not f.text() for f in panel.inputs.values())
