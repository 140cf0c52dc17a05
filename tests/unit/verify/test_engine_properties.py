"""Property: no sequence of answers reaches VERIFIED without satisfying the script's rule."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_desktop.verify import matchers
from agent_desktop.verify.engine import Status, Verification, VerifyError
from agent_desktop.verify.record import IDENTIFIERS, PatientRecord, Person
from agent_desktop.verify.script import (
    FIELD_GROUPS,
    CallerType,
    IdentifierSpec,
    Requirement,
    Script,
    Text,
    load_configured_script,
)
from tests.unit.verify.people import MATEO_RECORD, ROSA_RECORD, TODAY

SCRIPT = load_configured_script("default")
CASES = [
    ("patient", ROSA_RECORD, None),
    ("provider_office", ROSA_RECORD, None),
    ("power_of_attorney", ROSA_RECORD, "rel-tom"),
    ("family_with_consent", ROSA_RECORD, "rel-ana"),
    ("parent_of_minor", MATEO_RECORD, "rel-carmen"),
    ("legal_guardian", MATEO_RECORD, "rel-juan"),
]


def correct(person: Person, identifier: str) -> str:
    if identifier == "full_name":
        return " ".join(person.given + person.family)
    if identifier == "date_of_birth":
        return person.birth_date.isoformat() if person.birth_date else ""
    return str(getattr(person, identifier) or "")


def oracle_matches(person: Person, identifier: str, typed: str) -> bool:
    """Independent of the engine: would this text match the person's value on file?"""
    if not person.has(identifier):
        return False
    if identifier == "full_name":
        return matchers.match_name(typed, person.given, person.family, SCRIPT.name_rule).ok
    if identifier == "date_of_birth":
        assert person.birth_date is not None
        return matchers.match_date(typed, person.birth_date).ok
    return matchers.TEXT_MATCHERS[identifier](typed, str(getattr(person, identifier))).ok


noise = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["1958-07-21", "07/08/1958", "78205", "6620", "Rosa Martinez", "Ana Martinez",
                     "QZX44710935", "tortuga", "0000", "Mateo Nunez", "2014-09-30", "33101"]),
)
answer = st.tuples(st.sampled_from(IDENTIFIERS), st.booleans(), noise)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), answers=st.lists(answer, max_size=14), role=st.sampled_from(["agent", "admin"]))
def test_no_answer_sequence_verifies_without_satisfying_the_rule(
        case: tuple[str, PatientRecord, str | None], answers: list[tuple[str, bool, str]], role: str) -> None:
    caller_type, record, rep_id = case
    rep = record.representative(rep_id) if rep_id else None
    v = Verification(SCRIPT, caller_type, record, role, today=TODAY, representative=rep)
    people = {"patient": record.person, "caller": rep.person if rep else record.person}
    matched: dict[str, set[str]] = {"patient": set(), "caller": set()}
    for identifier, use_correct, text in answers:
        prompt = v.prompt
        if prompt is None:
            break
        person = people[prompt.stage]
        typed = correct(person, identifier) if use_correct else text
        try:
            v.answer(identifier, typed)
        except VerifyError:
            assert identifier not in prompt.identifiers
            continue
        if oracle_matches(person, identifier, typed):
            matched[prompt.stage].add(identifier)
    ct = SCRIPT.caller_types[caller_type]
    if v.status is Status.VERIFIED:
        for stage, req in (("patient", ct.patient_identifiers), ("caller", ct.caller_identifiers)):
            if req is None:
                continue
            assert set(req.all) <= matched[stage], (stage, matched)
            assert len(set(req.any) & matched[stage]) >= req.any_count, (stage, matched)
        allowed = ct.groups & SCRIPT.roles[role]
        if rep is not None:
            assert rep.authorization.valid_on(TODAY)
            allowed &= rep.authorization.scope
        assert v.groups <= allowed
        assert v.failures < ct.max_failures
    else:
        assert v.groups == frozenset()
        assert not any(v.may_show(g) for g in ct.groups)


@settings(max_examples=200, deadline=None)
@given(answers=st.lists(st.tuples(st.sampled_from(IDENTIFIERS), st.text(max_size=12)), max_size=20),
       days=st.integers(min_value=-400, max_value=4000))
def test_expired_or_missing_consent_never_verifies(answers: list[tuple[str, str]], days: int) -> None:
    today = dt.date(2027, 6, 1) + dt.timedelta(days=days)  # rel-ana's consent ends 2027-06-01
    rep = ROSA_RECORD.representative("rel-ana")
    v = Verification(SCRIPT, "family_with_consent", ROSA_RECORD, "agent", today=today, representative=rep)
    truth = {"patient": ROSA_RECORD.person, "caller": rep.person if rep else None}
    for identifier, _text in answers:
        prompt = v.prompt
        if prompt is None:
            break
        if identifier in prompt.identifiers:
            person = truth[prompt.stage]
            assert person is not None
            v.answer(identifier, correct(person, identifier))
    if days >= 0:
        assert v.status is Status.FAILED and v.reason == "consent_expired"
    assert v.status is not Status.VERIFIED or days < 0


def test_correct_answers_verify_every_case_so_the_property_is_not_vacuous() -> None:
    for caller_type, record, rep_id in CASES:
        rep = record.representative(rep_id) if rep_id else None
        v = Verification(SCRIPT, caller_type, record, "agent", today=TODAY, representative=rep)
        people = {"patient": record.person, "caller": rep.person if rep else record.person}
        while v.prompt is not None:
            v.answer(v.prompt.identifiers[0], correct(people[v.prompt.stage], v.prompt.identifiers[0]))
        assert v.status is Status.VERIFIED, caller_type


# --- any script, not only the default one --------------------------------------------------

ASKABLE = ("full_name", "date_of_birth", "zip", "member_id", "ssn_last4", "passcode")


@st.composite
def requirements(draw: st.DrawFn) -> Requirement:
    chosen = draw(st.lists(st.sampled_from(ASKABLE), min_size=1, max_size=6, unique=True))
    split = draw(st.integers(min_value=0, max_value=len(chosen)))
    all_, any_ = tuple(chosen[:split]), tuple(chosen[split:])
    any_count = draw(st.integers(min_value=1 if not all_ else 0, max_value=len(any_))) if any_ else 0
    if not all_ and not any_count:
        all_, any_, any_count = (chosen[0],), tuple(chosen[1:]), 0
    return Requirement(all_, any_, any_count)


@st.composite
def scripts(draw: st.DrawFn) -> tuple[Script, Requirement]:
    req = draw(requirements())
    attempts = {i: draw(st.integers(min_value=1, max_value=3)) for i in ASKABLE}
    text = Text("q", "p")
    ct = CallerType("patient", "patient", text, frozenset(FIELD_GROUPS), caller_identifiers=req,
                    max_failures=draw(st.integers(min_value=1, max_value=6)))
    script = Script("generated", 1, "", 18, draw(st.sampled_from(["full", "given_and_first_surname"])),
                    {i: IdentifierSpec(i, attempts[i], text, None) for i in ASKABLE}, {"patient": ct},
                    {"agent": frozenset(FIELD_GROUPS)})
    return script, req


@settings(max_examples=300, deadline=None)
@given(generated=scripts(), answers=st.lists(answer, max_size=16))
def test_no_generated_script_verifies_without_its_rule(generated: tuple[Script, Requirement],
                                                       answers: list[tuple[str, bool, str]]) -> None:
    script, req = generated
    record = ROSA_RECORD
    v = Verification(script, "patient", record, "agent", today=TODAY)
    matched: set[str] = set()
    misses = 0
    for identifier, use_correct, text in answers:
        prompt = v.prompt
        if prompt is None:
            break
        typed = correct(record.person, identifier) if use_correct else text
        if identifier not in prompt.identifiers:
            continue
        result = v.answer(identifier, typed)
        if oracle_matches(record.person, identifier, typed):
            matched.add(identifier)
        elif result.result is matchers.Result.NO_MATCH:
            misses += 1
    if v.status is Status.VERIFIED:
        assert set(req.all) <= matched
        assert len(set(req.any) & matched) >= req.any_count
        assert misses < script.caller_types["patient"].max_failures
    else:
        assert v.groups == frozenset()
