"""The whole shift, end to end, through the real desktop (pytest-qt, offscreen), on every
real component: Kamailio over TLS, pjsua2 callers registered as synthetic patients'
numbers, the reference audit server with its FHIR store, gnome-keyring.

1. enrol the device, create the vault, sign in (first-run pages);
2. a caller rings; the screen pop finds the patient by number; answered by the shortcut;
3. verification: one wrong identifier, then the right ones; the allowed groups shown with
   the patient's data; the outbox holds each step in order;
4. the server goes down; a second call from the same (cached) patient; views audited into
   the outbox; the desk keeps working;
5. the idle lock fires; no widget anywhere shows the patient's data; unlock;
6. the server comes back; the backlog syncs exactly once; the server's chain verification
   passes; the auditor's query for the patient returns the right sequence; the FHIR
   AuditEvent export carries the required elements;
7. a team lead, in a process of its own with its own profile (enrolled as ``team_lead`` on
   the agent's team, its own SIP account), finds the agent on a call in the team-lead
   window's roster, listens in, then barges in: an FFT of what each party hears proves who
   hears whom (caller 1000 Hz, agent 600 Hz, lead 1500 Hz); the agent's window says so
   during barge; both sides' trails carry the steps with the grant's nonce on the server;
8. the device is revoked: the vault is wiped and sign-in (enrolment) is required again;
9. every file the run wrote (the team lead's too) is searched for the patient's data.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytestqt.exceptions
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from agent_desktop.app import WorkstationState
from agent_desktop.app.monitoring import MonitoringNotice
from agent_desktop.audit import outbox
from agent_desktop.audit.notices import AuditRecorded
from agent_desktop.demo.kamailio import DEFAULT_USERS
from agent_desktop.demo.sip_peer import PeerProcess, write_tone
from agent_desktop.logs import configure_logging
from agent_desktop.monitoring.gate import audit_ref
from agent_desktop.phone import events as pev
from agent_desktop.presence.states import Presence
from tests.integration.app.test_monitoring import by_action
from tests.integration.app.test_shift import server_events
from tests.support.phone_helpers import GrowingWav, tone_levels, tones_heard
from tests.support.shell_env import widget_texts
from tests.support.team_lead_desk import TeamLeadDesk
from tests.support.typing import type_and_enter, type_text
from tests.support.workstation_env import (
    AGENT_TONE_HZ,
    PASSWORD,
    Events,
    FakeMonotonic,
    WorkstationEnv,
    digits,
    private_temp,  # noqa: F401 - fixture
    wait_until,
    workstation_env,  # noqa: F401 - fixture
)
from ui.calls.workspace import AFTER, CallWorkspace

pytestmark = pytest.mark.usefixtures("secret_service")
T = 30_000
AGENT_ID, LEAD_ID = "agent-e2e", "lead-e2e"
AGENT_HZ, CALLER_HZ, LEAD_HZ = int(AGENT_TONE_HZ), 1000, 1500  # no sum or harmonic of two is the third
TONES = (AGENT_HZ, CALLER_HZ, LEAD_HZ)
# pjmedia's bridge lowers a port's gain while it mixes and raises it again after (up to
# ~3.5x): quiet tones never clip, so no harmonic reads as a tone heard
QUIET = 3000


@dataclass
class TeamLead:
    desk: TeamLeadDesk
    home: Path
    ears: Path  # the recordings of what each party hears (the test's, searched by nobody)
    signed_in: Future[str] | None = None  # the lead's device id


def all_text() -> str:
    return "\n".join(t for w in QApplication.allWidgets() for t in widget_texts(w))


def patient_values(env: WorkstationEnv) -> list[str]:
    p = env.patient.person
    out = [n for n in (*p.given, *p.family) if len(n) > 3]
    if p.birth_date:
        out.append(p.birth_date.isoformat())
    out += [v for v in (p.member_id,) if v]
    out.append(digits(p.phone or ""))
    return out


def outbox_events(ws: Any) -> list[dict[str, Any]]:
    future = ws.vault.submit(lambda conn: list(outbox.stored_events(conn)))
    wait_until(future.done)
    return list(future.result())


def test_the_whole_shift_through_the_desktop(workstation_env: WorkstationEnv, qtbot: QtBot,  # noqa: F811
                                             private_temp: Path, tmp_path: Path) -> None:  # noqa: F811
    from ui.look import apply_style
    from ui.main_window import MainWindow
    from ui.shell import Shell

    env = workstation_env
    idle = FakeMonotonic()
    ears = tmp_path / "ears"
    ears.mkdir()
    # sync sleeps between rounds long enough to inspect the outbox; it wakes on demand
    ws = env.workstation(monotonic=idle, microphone=write_tone(ears / "agent.wav", AGENT_HZ, amplitude=QUIET),
                         **{"vault.idle_lock_minutes": 5, "audit.sync_interval_seconds": 3600})
    home = ws.paths.data.parent
    configure_logging(ws.paths.log, level=logging.DEBUG)
    recorded = Events(ws.bus, AuditRecorded)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_style(app)
    window = MainWindow(ws.settings)
    shell = Shell(ws, window, os_lock=False, tray=False)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    # the team lead's process starts now, so its imports overlap the shift's first steps
    lead = TeamLead(TeamLeadDesk(env.logs), tmp_path / "lead-home", ears)
    signing_in = ThreadPoolExecutor(1, thread_name_prefix="e2e-lead-sign-in")
    try:
        _shift(env, ws, shell, qtbot, idle, recorded, lead, signing_in)
    finally:
        signing_in.shutdown(wait=True)
        lead.desk.close()
        configure_logging(None)
        shell.detach()
        window.close_guard = None
        window.close()
        window.deleteLater()  # its timers and bridges go with it, before the next test's events
        for _ in range(3):
            QApplication.sendPostedEvents()
            QApplication.processEvents()
        ws.shutdown()
    # 9. nothing the workstations wrote holds the patient's data in clear
    leaks = []
    for path in [*home.rglob("*"), *private_temp.rglob("*"), *lead.home.rglob("*")]:
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace").lower()
            leaks += [f"{path.name}" for v in patient_values(env)
                      if re.search(rf"(?<![a-z0-9]){re.escape(v.lower())}(?![a-z0-9])", text)]
    assert not leaks, f"patient data outside the encrypted vault: {sorted(set(leaks))}"
    assert any(p.stat().st_size for p in ws.paths.log.glob("*.log")), "a log was written and searched"
    assert any(p.stat().st_size for p in (lead.home / "logs").glob("*.log")), "the lead's log too"


def _shift(env: WorkstationEnv, ws: Any, shell: Any, qtbot: QtBot, idle: FakeMonotonic,
           recorded: Events, lead: TeamLead, signing_in: ThreadPoolExecutor) -> None:
    window = shell.window
    sign_in = window.sign_in
    # 1. first run
    assert ws.state is WorkstationState.NOT_ENROLLED and sign_in.current_page() is sign_in.enrol
    type_and_enter(qtbot, sign_in.enrol.token, env.enrolment_token(agent=AGENT_ID))
    qtbot.waitUntil(lambda: sign_in.current_page() is sign_in.vault, timeout=T)
    step = sign_in.vault
    type_text(step.password, PASSWORD)
    type_text(step.confirm, PASSWORD)
    type_text(step.sip_user, "agent")
    type_text(step.sip_password, DEFAULT_USERS["agent"])
    qtbot.waitUntil(step.button.isEnabled, timeout=T)
    qtbot.mouseClick(step.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.page() is window.workspace, timeout=T)
    qtbot.waitUntil(lambda: window.status.registration.text() == "Phone: registered", timeout=T)
    desk = window.workspace.calls
    if not isinstance(desk, CallWorkspace):
        desk = window.findChild(CallWorkspace)
    assert isinstance(desk, CallWorkspace)

    # 2. a caller rings; screen pop; answer with the keyboard
    person = env.patient.person
    caller = env.caller()
    caller.cmd("call", uri=env.agent_uri())
    qtbot.waitUntil(desk.ring.isVisible, timeout=T)
    qtbot.keyClick(desk, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: desk.patient.candidates.count() == 1, timeout=T)
    qtbot.waitUntil(lambda: any(c.state == "confirmed" for c in desk.phone.calls.values()), timeout=T)
    call_id = desk.call_id
    assert call_id
    desk.patient.candidates.setFocus()
    qtbot.keyClick(desk.patient.candidates, Qt.Key.Key_Return)
    qtbot.waitUntil(desk.verification.start_button.isEnabled, timeout=T)
    qtbot.keyClick(desk.verification.start_button, Qt.Key.Key_Space)

    # 3. one wrong identifier, then the right ones; the allowed groups with the patient's data
    qtbot.waitUntil(lambda: "full_name" in desk.verification.inputs, timeout=T)
    type_and_enter(qtbot, desk.verification.inputs["date_of_birth"], "1901-01-01")
    qtbot.waitUntil(lambda: "does not match" in desk.verification.feedback.text(), timeout=T)
    type_and_enter(qtbot, desk.verification.inputs["full_name"], " ".join(person.given + person.family))
    assert person.birth_date is not None
    qtbot.waitUntil(lambda: "date_of_birth" in desk.verification.inputs
                    and desk.verification.inputs["date_of_birth"].isEnabled(), timeout=T)
    type_and_enter(qtbot, desk.verification.inputs["date_of_birth"], person.birth_date.isoformat())
    qtbot.waitUntil(lambda: "member_id" in desk.verification.inputs, timeout=T)
    type_and_enter(qtbot, desk.verification.inputs["member_id"], person.member_id or "")
    qtbot.waitUntil(lambda: "Verified" in desk.verification.status.text(), timeout=T)
    for group in ("demographics", "appointments", "medications"):
        qtbot.mouseClick(desk.phi.boxes[group].show_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda g=group: bool(desk.phi.boxes[g].content.text()), timeout=T)
    shown = desk.phi.boxes["demographics"].content.text()
    assert digits(person.phone or "")[-4:] in digits(shown), "the patient's own data"
    steps = [(e["action"], e["outcome"]) for e in outbox_events(ws) if e.get("call_id") == call_id]
    actions = [a for a, _ in steps]
    assert actions[0] == "call.incoming" and actions.index("call.answer") < actions.index("verify.start")
    assert ("verify.answer", "failure") in steps and actions.index("verify.pass") < actions.index("phi.reveal")
    assert actions.count("phi.reveal") == 3
    qtbot.keyClick(desk, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: desk.pages.currentIndex() == AFTER, timeout=T)
    assert not any(v in all_text() for v in patient_values(env)[:3])

    # 4. the server goes down; the same patient calls again; cached data, audited views
    env.server.stop()
    ws.set_agent_state(Presence.AVAILABLE)
    caller.cmd("call", uri=env.agent_uri())
    qtbot.waitUntil(desk.ring.isVisible, timeout=T)
    desk.ring.answer_button.click()
    qtbot.waitUntil(lambda: desk.patient.candidates.count() == 1, timeout=T)
    assert "cache" in desk.patient.state.text()
    second = desk.call_id
    desk.patient.candidates.setCurrentRow(0)
    desk.patient.pick.click()
    qtbot.waitUntil(desk.verification.start_button.isEnabled, timeout=T)
    desk.verification.start_button.click()
    qtbot.waitUntil(lambda: "full_name" in desk.verification.inputs, timeout=T)
    type_and_enter(qtbot, desk.verification.inputs["full_name"], " ".join(person.given + person.family))
    qtbot.waitUntil(lambda: desk.verification.inputs["date_of_birth"].isEnabled()
                    if "date_of_birth" in desk.verification.inputs else False, timeout=T)
    type_and_enter(qtbot, desk.verification.inputs["date_of_birth"], person.birth_date.isoformat())
    qtbot.waitUntil(lambda: "member_id" in desk.verification.inputs, timeout=T)
    type_and_enter(qtbot, desk.verification.inputs["member_id"], person.member_id or "")
    qtbot.waitUntil(lambda: "Verified" in desk.verification.status.text(), timeout=T)
    desk.phi.boxes["medications"].show_button.click()
    qtbot.waitUntil(lambda: bool(desk.phi.boxes["medications"].content.text()), timeout=T)
    offline = [e for e in outbox_events(ws) if e.get("call_id") == second and e["action"] == "phi.reveal"]
    assert len(offline) == 1 and offline[0]["detail"]["group"] == "medications"

    # 5. the idle lock fires mid-call; nothing of the patient is left on screen; unlock
    idle.advance(5 * 60 + 1)
    qtbot.waitUntil(lambda: window.page() is window.lock_screen, timeout=T)
    assert not any(v in all_text() for v in patient_values(env)), "PHI left on screen after the lock"
    assert any(c.state == "confirmed" for c in desk.phone.calls.values()), "the call keeps its audio"
    form = window.lock_screen.form
    type_and_enter(qtbot, form.password, PASSWORD)
    qtbot.waitUntil(lambda: window.page() is window.workspace, timeout=T)
    qtbot.waitUntil(lambda: "Verified" in desk.verification.status.text(), timeout=T)
    assert not desk.phi.boxes["medications"].content.text(), "shown again only after a new reveal"
    desk.phone.hangup()
    qtbot.waitUntil(lambda: desk.pages.currentIndex() == AFTER, timeout=T)

    # 6. the server comes back: exactly once, chain intact, the auditor's answers
    local_seqs = sorted(int(e["seq"]) for e in outbox_events(ws))
    env.server.restart()
    ws.sync_now()
    # the team lead signs in (its own process and profile) while the auditor's checks run
    lead.signed_in = signing_in.submit(lead.desk.sign_in, lead_spec(env, lead))
    qtbot.waitUntil(lambda: not outbox_events(ws), timeout=60_000)  # the backlog delivered
    auditor = env.server.session(env.server.token("auditor"))
    assert ws.credentials is not None
    device = ws.credentials.device_id
    verdict = auditor.get(env.server.url("/v1/audit/verify"), params={"device_id": device}, timeout=10).json()
    assert verdict["status"] == "intact", verdict
    every = auditor.get(env.server.url("/v1/audit/events"), params={"device_id": device, "limit": 1000},
                        timeout=10).json()
    events = every["events"] if isinstance(every, dict) else every
    seqs = sorted(int(e["seq"]) for e in events)
    assert seqs == list(range(1, len(seqs) + 1)) and set(local_seqs) <= set(seqs), "once each, no gap"
    assert verdict["last_seq"] == seqs[-1]
    mine = auditor.get(env.server.url("/v1/audit/events"), params={"patient": env.patient.id, "limit": 1000},
                       timeout=10).json()
    patient_events = sorted(mine["events"] if isinstance(mine, dict) else mine, key=lambda e: e["seq"])
    acts = [e["action"] for e in patient_events]
    assert acts.count("phi.reveal") == 4 and "verify.pass" in acts
    assert acts.index("verify.pass") < acts.index("phi.reveal")
    bundle = auditor.get(env.server.url("/fhir/AuditEvent"), params={"patient": env.patient.id}, timeout=10).json()
    resource = bundle["entry"][0]["resource"]
    for element in ("type", "action", "recorded", "agent", "source", "entity"):
        assert element in resource, element
    assert any(e["what"] == {"reference": f"Patient/{env.patient.id}"} for e in resource["entity"])
    auditor.close()

    # 7. the team lead listens in, then barges in
    _team_lead_monitors_then_barges(env, ws, desk, qtbot, caller, lead)

    # 8. revoked: wiped, and enrolment is required again
    admin = env.server.session(env.server.token("admin"))
    admin.post(env.server.url(f"/v1/devices/{device}/revoke"), json={"reason": "e2e"},
               timeout=10).raise_for_status()
    admin.close()
    ws.sync_now()
    qtbot.waitUntil(lambda: window.page() is window.sign_in, timeout=T)
    qtbot.waitUntil(lambda: ws.state is WorkstationState.SIGNED_OUT, timeout=T)
    assert not ws.vault.exists() and sign_in.current_page() is sign_in.enrol
    caller.close()
    assert recorded.of(AuditRecorded)


def lead_spec(env: WorkstationEnv, lead: TeamLead) -> dict[str, Any]:
    """The team lead's own profile, home, policy, SIP account and microphone (1500 Hz)."""
    policy = env.policy(lead.home, **{"presence.roster_refresh_seconds": 1})
    return {"home": str(lead.home), "policy": str(policy), "profile": f"lead-{uuid.uuid4().hex[:8]}",
            "token": env.server.token("enroll", agent=LEAD_ID, team="blue", user_role="team_lead"),
            "password": PASSWORD, "sip_user": "lead", "sip_password": DEFAULT_USERS["lead"],
            "microphone": str(write_tone(lead.ears / "lead.wav", LEAD_HZ, amplitude=QUIET))}


def hears(qtbot: QtBot, ear: tuple[Callable[[Path], object], Callable[[Path], object]], path: Path,
          onset: set[int]) -> set[int]:
    """What one party hears (``ear``: start and stop recording into a WAV), judged over 1.5 s
    once the ``onset`` tones have set in: media settled, however loaded the machine."""
    wav = GrowingWav(path)
    window: list[tuple[Any, int]] = []

    def settled() -> bool:
        got = wav.after_onset(onset, TONES)
        if got is not None:
            window.append(got)
        return got is not None

    start, stop = ear
    start(path)
    try:
        qtbot.waitUntil(settled, timeout=60_000)
    except pytestqt.exceptions.TimeoutError as err:
        data, rate = wav.pcm()
        last = tone_levels(data[-int(1.5 * rate):], rate, TONES) if len(data) > rate else {}
        raise AssertionError(f"{path.name}: {sorted(onset)} Hz never set in; the last 1.5 s of "
                             f"{len(data) / rate:.1f} s recorded: {last}") from err
    finally:
        stop(path)
    data, rate = window[0]
    return tones_heard(data, rate, TONES, path.name)


def lead_window_shows(qtbot: QtBot, lead: TeamLead, pred: Callable[[dict[str, Any]], bool],
                      timeout: int = T) -> None:
    """Wait for the team-lead window (its state, 0.1 s old at most) to satisfy ``pred``."""
    last: list[dict[str, Any]] = [{}]
    asked = [0.0]

    def shows() -> bool:
        if time.monotonic() - asked[0] < 0.1:
            return False  # the window's state is taken every 0.1 s: asking sooner tells nothing
        asked[0] = time.monotonic()
        last[0] = lead.desk.cmd("state")
        return pred(last[0])

    try:
        qtbot.waitUntil(shows, timeout=timeout)
    except pytestqt.exceptions.TimeoutError as err:
        raise AssertionError(f"the team-lead window shows {last[0]}") from err


def lead_saw(lead: TeamLead, state: str, mode: str = "") -> Callable[[], bool]:
    return lambda: lead.desk.saw(lambda e: e.get("event") == "supervision" and e["state"] == state
                                 and (not mode or e["mode"] == mode))


def _team_lead_monitors_then_barges(env: WorkstationEnv, ws: Any, desk: CallWorkspace, qtbot: QtBot,
                                    caller: PeerProcess, lead: TeamLead) -> None:
    watch = Events(ws.bus, pev.MonitorEvent, MonitoringNotice)
    ws.set_agent_state(Presence.AVAILABLE)
    caller.clear_events()
    ccall = int(caller.cmd("call", uri=env.agent_uri())["call"])
    qtbot.waitUntil(desk.ring.isVisible, timeout=T)
    desk.ring.answer_button.click()
    qtbot.waitUntil(lambda: any(e.get("event") == "media" and e["call"] == ccall and e["status"] == 1
                                for e in list(caller.events)), timeout=T)
    call_id = desk.call_id
    caller.cmd("play", call=ccall, freq=CALLER_HZ, amplitude=QUIET)
    lead_ear = (lambda p: lead.desk.cmd("record", path=str(p)), lambda p: lead.desk.cmd("stop_record"))
    caller_ear = (lambda p: caller.cmd("record", call=ccall, path=str(p)),
                  lambda p: caller.cmd("stop_record", call=ccall, path=str(p)))

    # the team-lead window's roster shows the agent on a call: select the row, click Listen
    assert lead.signed_in is not None
    qtbot.waitUntil(lead.signed_in.done, timeout=240_000)
    lead_device = lead.signed_in.result()
    lead_window_shows(qtbot, lead, lambda s: s["rows"].get(AGENT_ID, "").endswith("On call"),
                      60_000)
    assert lead.desk.cmd("select", agent=AGENT_ID)["selected"]
    lead.desk.cmd("click", button="listen")
    qtbot.waitUntil(lead_saw(lead, "up", "listen"), timeout=T)
    lead_window_shows(qtbot, lead, lambda s: s["bar"] == f"Listening to {AGENT_ID}: nobody hears you.")
    started = watch.wait(pev.MonitorStarted, timeout=30)
    assert (started.call_id, started.mode, started.sup) == (call_id, "listen", LEAD_ID)
    qtbot.waitUntil(desk.monitor_notice.isVisible, timeout=T)  # policy: listening is announced
    assert desk.monitor_notice.text() == f"Your team lead {LEAD_ID} is listening to this call."
    assert len(desk.phone.calls) == 1, "the lead's leg is not a call on the agent's desk"
    assert hears(qtbot, lead_ear, lead.ears / "lead-listen.wav", {CALLER_HZ, AGENT_HZ}) \
        == {CALLER_HZ, AGENT_HZ}, "listening, the lead hears the caller and the agent"
    assert hears(qtbot, caller_ear, lead.ears / "caller-listen.wav", {AGENT_HZ}) == {AGENT_HZ}, \
        "the caller never hears a listening lead"

    # barge: a new grant in a re-INVITE; the agent's window says the caller hears the lead
    lead.desk.cmd("click", button="barge")
    qtbot.waitUntil(lead_saw(lead, "up", "barge"), timeout=T)
    lead_window_shows(qtbot, lead, lambda s: s["bar"] == f"In {AGENT_ID}'s call: the agent and the caller hear you.")
    changed = watch.wait(pev.MonitorModeChanged, lambda e: e.mode == "barge", timeout=30)
    assert (changed.previous, changed.via, changed.nonce) == ("listen", "reinvite", started.nonce)
    barged = f"Your team lead {LEAD_ID} has joined the call: the caller hears them too."
    qtbot.waitUntil(lambda: desk.monitor_notice.text() == barged, timeout=T)
    assert desk.monitor_notice.isVisible()
    assert hears(qtbot, caller_ear, lead.ears / "caller-barge.wav", {AGENT_HZ, LEAD_HZ}) \
        == {AGENT_HZ, LEAD_HZ}, "in barge the caller hears the lead"
    assert hears(qtbot, lead_ear, lead.ears / "lead-barge.wav", {CALLER_HZ, AGENT_HZ}) == {CALLER_HZ, AGENT_HZ}

    # the lead hangs up: the notice goes; the customer call goes on until the agent ends it
    lead.desk.cmd("click", button="hangup")
    qtbot.waitUntil(lead_saw(lead, "ended"), timeout=T)
    ended = watch.wait(pev.MonitorEnded, timeout=30)
    assert (ended.cause, ended.nonce) == ("supervisor_hangup", started.nonce)
    qtbot.waitUntil(lambda: not desk.monitor_notice.isVisible(), timeout=T)
    assert any(c.state == "confirmed" for c in desk.phone.calls.values()), "the caller is still on"
    desk.phone.hangup()
    qtbot.waitUntil(lambda: desk.pages.currentIndex() == AFTER, timeout=T)
    watch.close()

    # both trails on the server: the same steps under the first grant's nonce
    qtbot.waitUntil(lambda: any(e["action"] == "call.monitor.end" for e in outbox_events(ws)), timeout=T)
    ws.sync_now()
    lead.desk.cmd("sync")
    assert ws.credentials is not None
    agent_device = ws.credentials.device_id
    qtbot.waitUntil(lambda: len(by_action(server_events(env, agent_device))) >= 3
                    and len(by_action(server_events(env, lead_device))) >= 3, timeout=60_000)
    for device, role in ((agent_device, "agent"), (lead_device, "team_lead")):
        records = by_action(server_events(env, device))
        assert [r["action"] for r in records] == ["call.monitor.start", "call.monitor.mode",
                                                  "call.monitor.end"], records
        assert [r["detail"].get("mode") for r in records[:2]] == ["listen", "barge"], records
        assert {r["detail"]["nonce"] for r in records} == {audit_ref(started.nonce)}, role
        assert {r["actor"]["role"] for r in records} == {role}, records
    assert {r["call_id"] for r in by_action(server_events(env, agent_device))} == {call_id}
