"""Recording through the Workstation under policy ``all_calls``: an answered call is
recorded, listed after the call, played back in the app (audited), and wiped with the vault."""

from __future__ import annotations

import time

import numpy as np
import pytest

from agent_desktop.audit.notices import AuditRecorded
from agent_desktop.demo.kamailio import DEFAULT_USERS
from agent_desktop.phone import events as pev
from agent_desktop.phone.recording_events import CallRecordingChanged, PlaybackEnded
from tests.integration.app.test_shift import ring_and_answer
from tests.support.workstation_env import (
    PASSWORD,
    Events,
    WorkstationEnv,
    workstation_env,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.usefixtures("secret_service")


def test_an_answered_call_is_recorded_played_back_audited_and_wiped(
        workstation_env: WorkstationEnv) -> None:  # noqa: F811
    env = workstation_env
    ws = env.workstation(**{"recording.mode": "all_calls", "recording.announce": False})
    events = Events(ws.bus, pev.PhoneEvent, AuditRecorded)
    ws.enroll(env.enrolment_token(agent="agent-rec"))
    assert ws.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"]).registered
    caller = env.caller()
    call_id, pcall = ring_and_answer(ws, env, events, caller)
    events.wait(CallRecordingChanged, lambda e: e.call_id == call_id and e.state == "recording")
    time.sleep(1.2)  # the length of the recording, not a wait for a condition
    caller.cmd("hangup", call=pcall)
    stopped = events.wait(CallRecordingChanged, lambda e: e.state == "stopped")
    assert stopped.reason == "call_ended"
    ws.recordings.drain()

    [info] = ws.recordings_list()
    assert info.call_id == call_id and info.status == "complete" and info.seconds >= 1.0
    pcm = ws.recording_audio(info.recording_id)
    level = float(np.sqrt(np.mean(np.frombuffer(pcm, dtype="<i2").astype(float) ** 2)))
    assert abs(len(pcm) / 32000 - info.seconds) < 0.05 and level > 500  # the agent's tone
    playback = ws.play_recording(info.recording_id)
    assert events.wait(PlaybackEnded, lambda e: e.playback_id == playback).completed
    actions = [e.action for e in events.of(AuditRecorded)]
    for action in ("recording.start", "call.recording", "recording.stop"):
        assert action in actions, actions
    assert actions.count("recording.play") == 2

    folder = ws.recordings.store.directory
    assert any(folder.iterdir())
    ws.wipe()
    assert not folder.exists() and ws.recordings is None
