"""The service layer over a real vault and the real audit recorder: every step audited,
reveals guarded, lockout per call, social-engineering flag across calls."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from agent_desktop.audit import outbox
from agent_desktop.audit.recorder import AuditRecorder, AuditWriteFailed
from agent_desktop.bus import EventBus
from agent_desktop.vault import Vault
from agent_desktop.verify.engine import Status, Verification
from agent_desktop.verify.script import Script, load_configured_script
from agent_desktop.verify.session import (
    CallLocked,
    CallLockouts,
    NotAllowed,
    SocialEngineeringFlag,
    VerificationSession,
)
from tests.support.vault_env import PASSWORD, FakeClock, VaultFactory
from tests.unit.verify.people import ROSA_RECORD, TODAY


@pytest.fixture(scope="module")
def script() -> Script:
    return load_configured_script("default")


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def env(make_vault: VaultFactory, clock: FakeClock, bus: EventBus) -> Iterator[tuple[Vault, AuditRecorder]]:
    vault = make_vault(clock=clock, bus=bus)
    recorder = AuditRecorder(vault, bus, device_id="dev-" + uuid.uuid4().hex[:8], user="agent-7", role="agent",
                             clock=clock)
    vault.create(PASSWORD)
    yield vault, recorder


def events(vault: Vault) -> list[dict[str, Any]]:
    return list(vault.submit(lambda c: list(outbox.stored_events(c))).result())


def session(script: Script, env: tuple[Vault, AuditRecorder], bus: EventBus, clock: FakeClock, call_id: str,
            lockouts: CallLockouts | None = None) -> VerificationSession:
    vault, recorder = env
    v = Verification(script, "patient", ROSA_RECORD, "agent", today=TODAY)
    return VerificationSession(v, recorder, vault, bus, call_id=call_id, lockouts=lockouts, clock=clock)


def test_each_step_is_an_audit_event_with_type_and_result(script: Script, env: tuple[Vault, AuditRecorder],
                                                          bus: EventBus, clock: FakeClock) -> None:
    s = session(script, env, bus, clock, "call-1")
    s.answer("full_name", "Rosa Martinez")
    s.answer("date_of_birth", "07/08/1958")
    s.answer("date_of_birth", "1958-07-21")
    s.answer("zip", "78206")
    s.answer("member_id", "QZX 4471 0935")
    assert s.status is Status.VERIFIED
    got = [(e["action"], e["outcome"], e["detail"].get("identifier"), e["detail"].get("result"))
           for e in events(env[0]) if e["action"].startswith("verify.")]
    assert got == [
        ("verify.start", "success", None, None),
        ("verify.answer", "success", "full_name", "match"),
        ("verify.answer", "failure", "date_of_birth", "ask_again"),
        ("verify.answer", "success", "date_of_birth", "match"),
        ("verify.answer", "failure", "zip", "no_match"),
        ("verify.answer", "success", "member_id", "match"),
        ("verify.pass", "success", None, None),
    ]
    assert all(e["patient"] == "pat-rosa" and e["call_id"] == "call-1" for e in events(env[0])
               if e["action"].startswith("verify."))


def test_reveal_is_durable_before_display_and_refused_out_of_scope(
        script: Script, env: tuple[Vault, AuditRecorder], bus: EventBus, clock: FakeClock) -> None:
    vault, _ = env
    rep = ROSA_RECORD.representative("rel-ana")
    v = Verification(script, "family_with_consent", ROSA_RECORD, "agent", today=TODAY, representative=rep)
    s = VerificationSession(v, env[1], vault, bus, call_id="call-2", clock=clock)
    with pytest.raises(NotAllowed):
        with s.reveal("medications"):
            pytest.fail("shown before verification")
    for identifier, typed in [("full_name", "Rosa Martinez"), ("date_of_birth", "1958-07-21"),
                              ("full_name", "Ana Martinez"), ("passcode", "tortuga")]:
        s.answer(identifier, typed)
    with s.reveal("medications"):
        # inside the body: the event is already in the vault
        last = events(vault)[-1]
        assert last["action"] == "phi.reveal" and last["detail"]["group"] == "medications"
    with pytest.raises(NotAllowed, match="lab_results"):
        with s.reveal("lab_results"):
            pytest.fail("outside the consent's scope")
    denied = [e for e in events(vault) if e["action"] == "phi.reveal" and e["outcome"] == "denied"]
    assert [e["detail"]["group"] for e in denied] == ["medications", "lab_results"]


def test_a_reveal_that_cannot_be_audited_never_shows(script: Script, env: tuple[Vault, AuditRecorder],
                                                     bus: EventBus, clock: FakeClock) -> None:
    vault, _ = env
    s = session(script, env, bus, clock, "call-3")
    for identifier, typed in [("full_name", "Rosa Martinez"), ("date_of_birth", "1958-07-21"), ("ssn_last4", "6620")]:
        s.answer(identifier, typed)
    vault.lock()
    shown = []
    with pytest.raises(AuditWriteFailed):
        with s.reveal("demographics"):
            shown.append(True)
    assert shown == []
    assert s.broken and not s.may_show("demographics")


def test_failed_verification_locks_the_call(script: Script, env: tuple[Vault, AuditRecorder], bus: EventBus,
                                            clock: FakeClock) -> None:
    lockouts = CallLockouts()
    s = session(script, env, bus, clock, "call-4", lockouts)
    s.answer("full_name", "Rosa Martinez")
    s.answer("date_of_birth", "1958-07-01")
    s.answer("date_of_birth", "1958-07-02")
    assert s.status is Status.FAILED
    with pytest.raises(CallLocked):
        session(script, env, bus, clock, "call-4", lockouts)
    session(script, env, bus, clock, "call-5", lockouts)  # another call may try again


def fail_once(script: Script, env: tuple[Vault, AuditRecorder], bus: EventBus, clock: FakeClock,
              call_id: str) -> VerificationSession:
    s = session(script, env, bus, clock, call_id)
    s.answer("full_name", "Rosa Martines")
    s.answer("full_name", "Rosa Martinex")
    assert s.status is Status.FAILED
    return s


def test_repeated_failures_across_calls_raise_a_social_engineering_flag(
        script: Script, env: tuple[Vault, AuditRecorder], bus: EventBus, clock: FakeClock) -> None:
    flags: list[SocialEngineeringFlag] = []
    bus.subscribe(SocialEngineeringFlag, flags.append)
    assert not fail_once(script, env, bus, clock, "call-a").flagged
    clock.advance(3600)
    assert not fail_once(script, env, bus, clock, "call-b").flagged
    clock.advance(3600)
    assert fail_once(script, env, bus, clock, "call-c").flagged
    assert [(f.patient, f.failures) for f in flags] == [("pat-rosa", 3)]
    flag_events = [e for e in events(env[0]) if e["action"] == "verify.flag"]
    assert len(flag_events) == 1 and flag_events[0]["detail"]["failures_in_window"] == 3


def test_failures_outside_the_window_do_not_flag(script: Script, env: tuple[Vault, AuditRecorder],
                                                 bus: EventBus, clock: FakeClock) -> None:
    for call in ("call-x", "call-y", "call-z"):
        s = fail_once(script, env, bus, clock, call)
        clock.advance(40 * 3600)  # 3 failures over 80+ hours; the window is 72
    assert not s.flagged
    assert not [e for e in events(env[0]) if e["action"] == "verify.flag"]
    # only failures inside the window are kept
    kept = env[0].submit(lambda c: c.execute("SELECT call_id FROM verify_failures").fetchall()).result()
    assert kept == [("call-y",), ("call-z",)]


def test_right_of_access_request_is_audited_and_tracked(script: Script, env: tuple[Vault, AuditRecorder],
                                                        bus: EventBus, clock: FakeClock) -> None:
    vault, _ = env
    s = session(script, env, bus, clock, "call-6")
    for identifier, typed in [("full_name", "Rosa Martinez"), ("date_of_birth", "1958-07-21"), ("zip", "78205")]:
        s.answer(identifier, typed)
    request = s.request_access(groups=["lab_results"], delivery="mail")
    event = events(vault)[-1]
    assert event["action"] == "records.access_request"
    assert event["detail"] == {"groups": ["lab_results"], "delivery": "mail", "due_days": 30,
                               "by_representative": False}
    rows = vault.submit(lambda c: c.execute("SELECT patient, due_on, event_id FROM access_requests").fetchall()).result()
    assert rows == [("pat-rosa", request.due_on.isoformat(), event["id"])]


def test_service_follows_policy_and_refuses_to_exist_with_a_broken_script(
        env: tuple[Vault, AuditRecorder], bus: EventBus, clock: FakeClock, make_vault: VaultFactory,
        tmp_path: Any) -> None:
    import os

    from agent_desktop.paths import AppPaths
    from agent_desktop.policy import load_settings
    from agent_desktop.verify.script import ScriptError, script_path
    from agent_desktop.verify.session import VerificationService

    vault, recorder = env
    custom = tmp_path / "custom.toml"
    custom.write_text(script_path("default").read_text("utf-8"))
    policy = os.environ["AGENT_DESKTOP_POLICY"]
    with open(policy, "w") as f:
        f.write(f'[verification]\nscript = "{custom}"\nflag_after_failures = 2\n')
    settings = load_settings(AppPaths.from_env())
    service = VerificationService(settings, recorder, vault, bus, clock=clock, today=lambda: TODAY)
    for call in ("call-p", "call-q"):
        s = service.start("patient", ROSA_RECORD, "agent", call_id=call)
        s.answer("full_name", "Rosa Martines")
        s.answer("full_name", "Rosa Martinex")
    assert s.flagged  # two failed calls: the policy's threshold
    with pytest.raises(CallLocked):
        service.start("patient", ROSA_RECORD, "agent", call_id="call-q")
    service.end_call("call-q")
    service.start("patient", ROSA_RECORD, "agent", call_id="call-q")
    custom.write_text(custom.read_text("utf-8").replace('kind = "patient"', 'kind = "patients"'))
    with pytest.raises(ScriptError, match=rf"{custom.name}:\d+: caller_types.patient.kind"):
        VerificationService(settings, recorder, vault, bus)
