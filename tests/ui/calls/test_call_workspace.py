"""The call workspace on a real workstation: Kamailio over TLS, a pjsua2 caller registered
as a synthetic patient's number, the reference server with its FHIR store, gnome-keyring.

The test thread is the GUI thread and is marked so: any blocking workstation call made by
a widget would raise instead of freezing the window.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from agent_desktop.app import Workstation
from agent_desktop.audit import outbox
from agent_desktop.audit.notices import AuditRecorded
from agent_desktop.demo.kamailio import DEFAULT_USERS
from tests.support.typing import type_and_enter
from tests.support.workstation_env import (
    PASSWORD,
    Events,
    WorkstationEnv,
    workstation_env,  # noqa: F401 - fixture
)
from ui.calls.workspace import AFTER, CALL, CallWorkspace
from ui.ops import GuiOps

pytestmark = pytest.mark.usefixtures("secret_service")
TIMEOUT = 20_000


@pytest.fixture
def desk(workstation_env: WorkstationEnv, qtbot: QtBot) -> Iterator[tuple[Workstation, CallWorkspace]]:  # noqa: F811
    ws = workstation_env.workstation()
    ws.enroll(workstation_env.enrolment_token(agent="agent-ui"))
    report = ws.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"])
    assert report.registered, report
    ws.guard.mark()  # from here on the test thread is the GUI thread
    workspace = CallWorkspace(ws, GuiOps(ws))
    qtbot.addWidget(workspace)
    workspace.resize(1200, 760)
    workspace.show()
    yield ws, workspace
    workspace.close_bridge()
    ws.guard.clear()
    ws.shutdown()


def outbox_actions(ws: Workstation, qtbot: QtBot) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    future = ws.vault.submit(lambda conn: [json.loads(e) if isinstance(e, str) else e
                                           for e in outbox.stored_events(conn)])
    qtbot.waitUntil(future.done, timeout=TIMEOUT)
    rows.extend(future.result())
    return rows


def test_a_call_answered_by_shortcut_is_verified_by_keyboard_and_phi_leaves_at_lock_and_call_end(
        desk: tuple[Workstation, CallWorkspace], workstation_env: WorkstationEnv, qtbot: QtBot) -> None:  # noqa: F811
    ws, w = desk
    env = workstation_env
    recorded = Events(ws.bus, AuditRecorded)
    person = env.patient.person
    caller = env.caller()
    caller.cmd("call", uri=env.agent_uri())
    qtbot.waitUntil(w.ring.isVisible, timeout=TIMEOUT)
    digits = "".join(ch for ch in (person.phone or "") if ch.isdigit())
    assert digits[-10:] not in w.ring.caller.text() and w.ring.caller.text().endswith(digits[-2:])

    qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Answer
    qtbot.waitUntil(lambda: any(c.state == "confirmed" for c in w.phone.calls.values()), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not w.ring.isVisible(), timeout=TIMEOUT)
    assert "SRTP" in w.phone.security.text()

    # the screen pop: one masked candidate, picked with the keyboard
    qtbot.waitUntil(lambda: w.patient.candidates.count() == 1, timeout=TIMEOUT)
    shown = w.patient.candidates.item(0).text()
    assert person.family[0] not in shown and str(person.birth_date) not in shown
    w.patient.candidates.setFocus()
    qtbot.keyClick(w.patient.candidates, Qt.Key.Key_Return)
    qtbot.waitUntil(w.verification.start_button.isEnabled, timeout=TIMEOUT)
    assert w.verification.caller_type.currentData() == "patient"
    w.verification.start_button.setFocus()
    qtbot.keyClick(w.verification.start_button, Qt.Key.Key_Space)

    qtbot.waitUntil(lambda: "full_name" in w.verification.inputs, timeout=TIMEOUT)
    type_and_enter(qtbot, w.verification.inputs["full_name"], " ".join(person.given + person.family))
    qtbot.waitUntil(lambda: "matches" in w.verification.feedback.text(), timeout=TIMEOUT)
    assert person.birth_date is not None
    type_and_enter(qtbot, w.verification.inputs["date_of_birth"], person.birth_date.isoformat())
    qtbot.waitUntil(lambda: "member_id" in w.verification.inputs, timeout=TIMEOUT)
    wrong_zip = "00000" if person.zip != "00000" else "99999"
    type_and_enter(qtbot, w.verification.inputs["zip"], wrong_zip)
    qtbot.waitUntil(lambda: "does not match" in w.verification.feedback.text(), timeout=TIMEOUT)
    type_and_enter(qtbot, w.verification.inputs["member_id"], person.member_id or "")
    qtbot.waitUntil(lambda: "Verified" in w.verification.status.text(), timeout=TIMEOUT)

    call_id = w.call_id
    assert call_id is not None
    # every group the adult patient may hear is offered; none is painted before its reveal
    assert all(b.show_button.isVisible() for b in w.phi.boxes.values())
    assert not any(w.phi.texts())

    events = [e for e in outbox_actions(ws, qtbot) if e["call_id"] == call_id]
    steps = [(e["action"], e["outcome"], e["detail"].get("identifier"), e["detail"].get("result"))
             for e in events if e["action"].startswith("verify.")]
    assert steps[0][0] == "verify.start"
    assert ("verify.answer", "failure", "zip", "no_match") in steps, steps
    assert steps[-1][0] == "verify.pass", steps
    text = json.dumps(events)
    for value in (person.member_id, person.birth_date.isoformat(), *person.family, digits[-10:]):
        assert value and value not in text

    # a lock clears every PHI widget (a value planted in each), the call stays up
    planted = "Synthetic-Value-" + env.patient.id
    for box in w.phi.boxes.values():
        box.content.setText(planted)
    w.after.notes.setPlainText(planted)
    ws.lock("manual")
    qtbot.waitUntil(lambda: planted not in " ".join(all_texts(w)), timeout=TIMEOUT)
    assert w.patient.candidates.count() == 0
    assert any(c.state == "confirmed" for c in w.phone.calls.values())

    # unlock: the verification resumes (still verified); data needs a new, recorded reveal
    done: list[Any] = []
    w.ops.run(ws.unlock, PASSWORD, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "Verified" in w.verification.status.text(), timeout=TIMEOUT)
    assert not any(w.phi.texts())

    # call end: PHI cleared at once, after-call work with the policy's dispositions
    for box in w.phi.boxes.values():
        box.content.setText(planted)
    qtbot.keyClick(w, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: w.pages.currentIndex() == AFTER, timeout=TIMEOUT)
    assert planted not in " ".join(all_texts(w))
    w.after.notes.setPlainText("Caller asked about parking.")
    w.after.disposition.setCurrentIndex(0)
    w.after.save_button.click()
    qtbot.waitUntil(lambda: "Saved" in w.after.saved.text(), timeout=TIMEOUT)
    notes: list[str] = []
    w.ops.run(ws.call_notes, call_id, on_done=notes.append)
    qtbot.waitUntil(lambda: bool(notes), timeout=TIMEOUT)
    assert notes == ["Caller asked about parking."]
    # today's calls: masked until the agent asks, which is recorded
    qtbot.waitUntil(lambda: w.recent.list.count() == 1, timeout=TIMEOUT)
    assert digits[-10:] not in w.recent.list.item(0).text()
    w.recent.list.setCurrentRow(0)
    w.recent.show_button.click()
    qtbot.waitUntil(lambda: digits[-10:] in w.recent.list.item(0).text(), timeout=TIMEOUT)
    # (the outbox empties as sync delivers: the recorder's own notices give the order)
    actions = [e.action for e in recorded.of(AuditRecorded)]
    assert actions[-2:] == ["call.disposition", "call.number_view"]
    assert actions.index("call.end") > actions.index("verify.pass")
    caller.close()


def all_texts(widget: Any) -> list[str]:
    from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QPlainTextEdit

    out = []
    for child in widget.findChildren(QLabel):
        out.append(child.text())
    for child in widget.findChildren(QLineEdit):
        out.append(child.text())
    for child in widget.findChildren(QPlainTextEdit):
        out.append(child.toPlainText())
    for lw in widget.findChildren(QListWidget):
        out.extend(lw.item(i).text() for i in range(lw.count()))
    return out


def test_a_caller_without_srtp_is_refused_and_the_agent_is_told(
        desk: tuple[Workstation, CallWorkspace], workstation_env: WorkstationEnv, qtbot: QtBot) -> None:  # noqa: F811
    ws, w = desk
    plain = workstation_env.caller("caller", srtp="disabled")
    plain.cmd("call", uri=workstation_env.agent_uri())
    plain.wait_event(lambda e: e.get("event") == "call_state" and e["state"] == "disconnected")
    qtbot.waitUntil(w.problem.isVisible, timeout=TIMEOUT)
    assert "SRTP" in w.problem.text()
    assert not w.phone.calls
    plain.close()


def answered_from_panel(w: CallWorkspace, caller: Any, env: WorkstationEnv, qtbot: QtBot) -> str:
    caller.cmd("call", uri=env.agent_uri())
    qtbot.waitUntil(w.ring.isVisible, timeout=TIMEOUT)
    w.ring.answer_button.click()
    qtbot.waitUntil(lambda: any(c.state == "confirmed" and c.media_active for c in w.phone.calls.values()),
                    timeout=TIMEOUT)
    assert w.phone.current is not None
    return w.phone.current


def test_hold_mute_dtmf_and_both_transfers_from_the_panel(
        desk: tuple[Workstation, CallWorkspace], workstation_env: WorkstationEnv, qtbot: QtBot) -> None:  # noqa: F811
    ws, w = desk
    env = workstation_env
    caller = env.caller("caller")
    target = env.caller("peer3")
    target.cmd("autoanswer", code=200)
    call_id = answered_from_panel(w, caller, env, qtbot)

    qtbot.keyClick(w, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)  # hold
    qtbot.waitUntil(lambda: w.phone.calls[call_id].held, timeout=TIMEOUT)
    assert w.phone.buttons["hold"].text() == "Resume" and "on hold" in w.phone.call_list.item(0).text()
    qtbot.keyClick(w, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)  # resume
    qtbot.waitUntil(lambda: not w.phone.calls[call_id].held, timeout=TIMEOUT)
    qtbot.keyClick(w, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.phone.calls[call_id].muted, timeout=TIMEOUT)
    qtbot.keyClick(w, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not w.phone.calls[call_id].muted, timeout=TIMEOUT)
    for key in "42#":
        w.phone.keys[key].click()
    qtbot.waitUntil(lambda: "".join(caller.cmd("state")["dtmf"].values()).endswith("42#"), timeout=TIMEOUT)

    # blind transfer: the caller goes to peer3, the agent's call ends as transferred
    type_and_enter(qtbot, w.phone.transfer_to, "peer3")
    w.phone.transfer_button.click()
    qtbot.waitUntil(lambda: call_id not in w.phone.calls, timeout=TIMEOUT)
    target.wait_event(lambda e: e.get("event") == "call_state" and e["state"] == "confirmed",
                      what="the transferred call at peer3")
    caller.close()
    target.close()


def test_attended_transfer_from_the_panel_consults_then_joins(
        desk: tuple[Workstation, CallWorkspace], workstation_env: WorkstationEnv, qtbot: QtBot) -> None:  # noqa: F811
    _, w = desk
    env = workstation_env
    caller = env.caller("caller")
    target = env.caller("peer2")
    target.cmd("autoanswer", code=200)
    call_id = answered_from_panel(w, caller, env, qtbot)
    w.phone.transfer_to.setText("peer2")
    w.phone.buttons["consult"].click()
    # the customer shows held once the hold's re-INVITE is answered, which on a loaded
    # machine can come after the consulted party has answered
    qtbot.waitUntil(lambda: len(w.phone.calls) == 2 and all(
        c.state == "confirmed" for c in w.phone.calls.values()) and w.phone.calls[call_id].held,
        timeout=TIMEOUT)
    qtbot.waitUntil(w.phone.complete_button.isVisible, timeout=TIMEOUT)
    w.phone.complete_button.click()
    target.wait_event(lambda e: e.get("event") == "replaced", what="Replaces at peer2")
    qtbot.waitUntil(lambda: not w.phone.calls, timeout=TIMEOUT)
    caller.close()
    target.close()


def test_every_focusable_control_has_a_name_and_tab_walks_in_reading_order(
        desk: tuple[Workstation, CallWorkspace], qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QWidget

    _, w = desk
    w.pages.setCurrentIndex(CALL)  # the page an agent works in during a call
    focusable = [c for c in w.findChildren(QWidget)
                 if c.focusPolicy() != Qt.FocusPolicy.NoFocus and c.isVisibleTo(w)
                 and not isinstance(c.parentWidget(), QAbstractScrollArea)]
    unnamed = [f"{type(c).__name__}:{c.objectName() or (c.text() if isinstance(c, QAbstractButton) else '')}"
               for c in focusable if not c.accessibleName()]
    assert not unnamed, unnamed
    chain: list[QWidget] = []
    start = w.phone.number
    node: QWidget = start
    for _ in range(400):
        if node.focusPolicy() & Qt.FocusPolicy.TabFocus and node.isVisibleTo(w):
            chain.append(node)
        node = node.nextInFocusChain()
        if node is start:
            break
    order = [w.phone.number, w.phone.call_button, w.phone.call_list, w.phone.transfer_to,
             w.patient.candidates, w.patient.family, w.patient.birth, w.patient.search_button,
             w.verification.caller_type, w.verification.start_button]
    positions = [chain.index(x) for x in order if x in chain]
    assert positions == sorted(positions), [x.accessibleName() for x in order]
    assert len(positions) >= 6
