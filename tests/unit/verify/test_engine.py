"""The default script's rules, lockout, representatives, consent, minors, right of access."""

from __future__ import annotations

import datetime as dt

import pytest

from agent_desktop.audit.event import detail_problem
from agent_desktop.verify.engine import Status, Verification, VerifyError
from agent_desktop.verify.matchers import Result
from agent_desktop.verify.script import Script, load_configured_script
from tests.unit.verify.people import ALL_GROUPS, MATEO_RECORD, ROSA_RECORD, TODAY


@pytest.fixture(scope="module")
def script() -> Script:
    return load_configured_script("default")


def start(script: Script, caller_type: str, record=ROSA_RECORD, role: str = "agent",
          rep_id: str | None = None, today: dt.date = TODAY) -> Verification:
    rep = record.representative(rep_id) if rep_id else None
    return Verification(script, caller_type, record, role, today=today, representative=rep)


def test_patient_verified_with_name_dob_and_one_more(script: Script) -> None:
    v = start(script, "patient")
    assert v.prompt is not None and v.prompt.identifiers == ("full_name", "date_of_birth")
    assert v.answer("full_name", "Rosa Martínez").result is Result.MATCH
    assert v.answer("date_of_birth", "21 de julio de 1958").result is Result.MATCH
    assert v.status is Status.ASKING
    assert set(v.prompt.identifiers) == {"zip", "member_id", "ssn_last4", "passcode"}
    assert v.prompt.needed == 1
    v.answer("zip", "78205")
    assert v.status is Status.VERIFIED
    assert v.groups == ALL_GROUPS
    assert v.steps[-1].action == "verify.pass"


def test_name_and_dob_alone_never_verify(script: Script) -> None:
    v = start(script, "patient")
    v.answer("full_name", "ROSA MARTINEZ")
    v.answer("date_of_birth", "1958-07-21")
    assert v.status is Status.ASKING and v.groups == frozenset()
    assert not v.may_show("demographics")


def test_prompts_in_english_and_spanish(script: Script) -> None:
    v = start(script, "patient")
    assert v.prompt is not None
    assert "full name" in v.prompt.text("full_name", "en")
    assert "nombre completo" in v.prompt.text("full_name", "es")


def test_answer_not_asked_is_refused(script: Script) -> None:
    v = start(script, "patient")
    with pytest.raises(VerifyError, match="not being asked"):
        v.answer("zip", "78205")


def test_ambiguous_date_asks_again_without_counting_a_failure(script: Script) -> None:
    v = Verification(script, "patient", ROSA_RECORD, "agent", today=TODAY)
    v.answer("full_name", "Rosa Martinez")
    got = v.answer("date_of_birth", "07/08/1958")
    assert got.result is Result.ASK_AGAIN and got.problem == "day_month_ambiguous"
    assert v.failures == 0 and v.status is Status.ASKING


def test_identifier_attempts_exhausted_fails(script: Script) -> None:
    v = start(script, "patient")
    v.answer("full_name", "Rosa Martinez")
    v.answer("date_of_birth", "1958-07-22")
    assert v.status is Status.ASKING
    v.answer("date_of_birth", "1958-07-23")
    # 2 attempts for date_of_birth in the default script
    assert v.status is Status.FAILED and v.reason == "identifier_attempts_exhausted"
    assert v.prompt is None and v.groups == frozenset()


def test_total_failures_lock_the_call(script: Script) -> None:
    v = start(script, "patient")
    v.answer("full_name", "Rosa Martinez")
    v.answer("date_of_birth", "1958-07-21")
    v.answer("ssn_last4", "0000")  # 1 attempt: ssn is out, three options left
    v.answer("passcode", "girasol rojo")  # passcode is out too
    assert v.status is Status.ASKING and set(v.prompt.identifiers) == {"zip", "member_id"}  # type: ignore[union-attr]
    v.answer("zip", "78206")
    assert v.status is Status.FAILED and v.reason == "too_many_failures"
    with pytest.raises(VerifyError, match="already ended"):
        v.answer("zip", "78205")


def test_minor_calling_as_patient_is_escalated(script: Script) -> None:
    v = start(script, "patient", record=MATEO_RECORD)
    assert v.status is Status.ESCALATED and v.reason == "patient_is_minor"
    assert v.prompt is None


def test_parent_of_minor_verifies_on_both_and_gets_consent_scope(script: Script) -> None:
    v = start(script, "parent_of_minor", record=MATEO_RECORD, rep_id="rel-carmen")
    assert v.prompt is not None and v.prompt.stage == "patient"
    assert "patient's" in v.prompt.text("full_name")
    v.answer("full_name", "Mateo Nunez")
    v.answer("date_of_birth", "September 30, 2014")
    assert v.prompt is not None and v.prompt.stage == "caller"
    v.answer("full_name", "Carmen Díaz")
    assert set(v.prompt.identifiers) == {"date_of_birth", "zip"}  # no passcode on file
    v.answer("zip", "33101")
    assert v.status is Status.VERIFIED
    assert v.groups == {"demographics", "appointments", "medications", "lab_results"}


def test_representative_answering_with_patients_identifiers_is_a_miss(script: Script) -> None:
    v = start(script, "parent_of_minor", record=MATEO_RECORD, rep_id="rel-carmen")
    v.answer("full_name", "Mateo Nunez Diaz")
    v.answer("date_of_birth", "2014-09-30")
    assert v.answer("full_name", "Mateo Nunez").result is Result.NO_MATCH


def test_parent_of_adult_is_refused(script: Script) -> None:
    adult = ROSA_RECORD
    v = start(script, "parent_of_minor", record=adult, rep_id="rel-ana")
    assert v.status is Status.FAILED and v.reason == "patient_is_not_minor"


def test_guardian_scope_is_intersection_of_consent_caller_type_and_role(script: Script) -> None:
    v = start(script, "legal_guardian", record=MATEO_RECORD, rep_id="rel-juan", role="admin")
    v.answer("full_name", "Mateo Núñez")
    v.answer("date_of_birth", "2014-09-30")
    v.answer("full_name", "Juan Núñez")
    v.answer("passcode", "Río Grande")
    assert v.status is Status.VERIFIED
    # consent {demographics, appointments, billing} & admin role {demographics}
    assert v.groups == {"demographics"}


def test_family_member_within_scope_sees_only_consented_groups(script: Script) -> None:
    v = start(script, "family_with_consent", rep_id="rel-ana")
    v.answer("full_name", "Rosa Martinez Ortega")
    v.answer("date_of_birth", "July 21 1958")
    v.answer("full_name", "Ana Martinez")
    v.answer("passcode", "TORTUGA")
    assert v.status is Status.VERIFIED
    assert v.groups == {"appointments", "medications"}
    assert not v.may_show("lab_results") and not v.may_show("billing")


def test_poa_scope_excludes_what_the_caller_type_excludes(script: Script) -> None:
    v = start(script, "power_of_attorney", rep_id="rel-tom")
    v.answer("full_name", "Rosa Martinez")
    v.answer("date_of_birth", "1958-07-21")
    v.answer("member_id", "qzx 4471 0935")
    v.answer("full_name", "Thomas ONeill")
    v.answer("date_of_birth", "01/09/1955")  # ambiguous: asks again
    assert v.status is Status.ASKING
    v.answer("date_of_birth", "9 January 1955")
    assert v.status is Status.VERIFIED
    assert v.groups == {"demographics", "appointments", "billing"}


def test_expired_consent_fails_before_any_question(script: Script) -> None:
    v = start(script, "family_with_consent", rep_id="rel-old")
    assert v.status is Status.FAILED and v.reason == "consent_expired"
    assert v.prompt is None


def test_consent_expiring_today_no_longer_counts(script: Script) -> None:
    v = start(script, "family_with_consent", rep_id="rel-ana", today=dt.date(2027, 6, 1))
    assert v.reason == "consent_expired"
    v = start(script, "family_with_consent", rep_id="rel-ana", today=dt.date(2027, 5, 31))
    assert v.status is Status.ASKING


def test_a_consent_whose_status_is_absent_discloses_nothing(script: Script) -> None:
    from agent_desktop.verify.record import record_from_json, record_to_json

    raw = record_to_json(ROSA_RECORD)
    for rep_raw in raw["representatives"]:
        rep_raw.pop("status")
    silent = record_from_json(raw)
    ana = silent.representative("rel-ana")
    assert ana is not None and not ana.authorization.valid_on(TODAY)
    v = Verification(script, "family_with_consent", silent, "agent", today=TODAY, representative=ana)
    assert v.status is Status.FAILED and v.reason == "no_consent_on_file"
    assert v.groups == frozenset()


def test_revoked_consent_fails(script: Script) -> None:
    assert start(script, "family_with_consent", rep_id="rel-revoked").reason == "consent_revoked"


def test_relationship_outside_caller_type_fails(script: Script) -> None:
    # a POA holder is not a "family member with consent"
    assert start(script, "family_with_consent", rep_id="rel-tom").reason == "relationship_not_allowed"


def test_caller_not_on_patients_list_fails(script: Script) -> None:
    stranger = MATEO_RECORD.representative("rel-carmen")
    v = Verification(script, "family_with_consent", ROSA_RECORD, "agent", today=TODAY, representative=stranger)
    assert v.status is Status.FAILED and v.reason == "representative_not_on_file"


def test_representative_type_without_representative_is_a_usage_error(script: Script) -> None:
    with pytest.raises(VerifyError, match="needs the representative"):
        start(script, "family_with_consent")


def test_provider_office_gets_treatment_groups_without_billing(script: Script) -> None:
    v = start(script, "provider_office")
    v.answer("full_name", "Rosa Martinez")
    v.answer("date_of_birth", "1958-07-21")
    v.answer("member_id", "QZX44710935")
    assert v.status is Status.VERIFIED
    assert v.groups == ALL_GROUPS - {"billing"}


def test_other_caller_is_escalated_immediately(script: Script) -> None:
    v = start(script, "other")
    assert v.status is Status.ESCALATED and v.reason == "caller_type_requires_escalation"


def test_agent_may_escalate_midway(script: Script) -> None:
    v = start(script, "patient")
    v.answer("full_name", "Rosa Martinez")
    v.escalate("caller_distressed")
    assert v.status is Status.ESCALATED and v.groups == frozenset()
    with pytest.raises(VerifyError):
        v.escalate("free text reason with spaces")


def test_unknown_role_or_caller_type_is_refused(script: Script) -> None:
    with pytest.raises(VerifyError, match="role"):
        start(script, "patient", role="janitor")
    with pytest.raises(VerifyError, match="caller type"):
        start(script, "neighbour")


def _verified_patient(script: Script) -> Verification:
    v = start(script, "patient")
    v.answer("full_name", "Rosa Martinez")
    v.answer("date_of_birth", "1958-07-21")
    v.answer("ssn_last4", "6620")
    assert v.status is Status.VERIFIED
    return v


def test_verified_patient_records_a_verbal_consent(script: Script) -> None:
    v = _verified_patient(script)
    consent = v.record_consent(relationship="spouse", scope=["appointments"], expires=dt.date(2027, 11, 28),
                               given=["Pedro"], family=["Ruiz"])
    assert consent.patient_id == "pat-rosa" and consent.scope == {"appointments"}
    assert v.steps[-1].detail == {"relationship": "spouse", "scope": ["appointments"], "expires_in_days": 365}


def test_consent_needs_a_verified_patient_and_a_future_expiry(script: Script) -> None:
    v = start(script, "family_with_consent", rep_id="rel-ana")
    with pytest.raises(VerifyError, match="verified patient"):
        v.record_consent(relationship="spouse", scope=["appointments"], expires=dt.date(2027, 1, 1),
                         given=["X"], family=["Y"])
    assert v.steps[-1].outcome == "denied"
    v = _verified_patient(script)
    with pytest.raises(VerifyError, match="after today"):
        v.record_consent(relationship="spouse", scope=["appointments"], expires=TODAY, given=["X"], family=["Y"])
    with pytest.raises(VerifyError, match="field groups"):
        v.record_consent(relationship="spouse", scope=["everything"], expires=dt.date(2027, 1, 1),
                         given=["X"], family=["Y"])


def test_right_of_access_request_is_recorded_with_a_due_date(script: Script) -> None:
    v = _verified_patient(script)
    request = v.request_access(groups=["lab_results", "medications"], delivery="portal")
    assert request.due_on == TODAY + dt.timedelta(days=30)
    assert v.steps[-1].action == "records.access_request"
    unverified = start(script, "patient")
    with pytest.raises(VerifyError):
        unverified.request_access(groups=["lab_results"], delivery="portal")


def test_every_step_detail_is_phi_free(script: Script) -> None:
    v = start(script, "power_of_attorney", rep_id="rel-tom")
    for identifier, typed in [("full_name", "Rosa Martinez"), ("date_of_birth", "03/04/1958"),
                              ("date_of_birth", "1958-07-21"), ("zip", "78205"),
                              ("full_name", "Tom Neill"), ("full_name", "Thomas O'Neill"),
                              ("date_of_birth", "1955-01-09")]:
        v.answer(identifier, typed)
    assert v.status is Status.VERIFIED
    for step in v.steps:
        assert detail_problem(step.detail) is None, step
    text = repr(v.outcome())
    for value in ("Rosa", "Martinez", "1958", "78205", "Thomas", "Neill", "1955"):
        assert value not in text
