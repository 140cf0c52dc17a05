"""Script loading: the default script is valid; every kind of broken script is named by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_desktop.verify.script import ScriptError, load_script, loads_script, script_path

DEFAULT = script_path("default")


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScriptError) as err:
        loads_script(text, "s.toml")
    return [str(p) for p in err.value.problems]


def edited(old: str, new: str) -> str:
    text = DEFAULT.read_text("utf-8")
    assert old in text
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_default_script_loads_with_every_caller_type() -> None:
    script = load_script(DEFAULT)
    assert set(script.caller_types) == {"patient", "parent_of_minor", "legal_guardian", "power_of_attorney",
                                        "family_with_consent", "provider_office", "other"}
    patient = script.caller_types["patient"].caller_identifiers
    assert patient is not None and patient.all == ("full_name", "date_of_birth") and patient.any_count == 1


def test_unknown_key_is_named_with_its_line() -> None:
    text = edited('minor_age = 18', 'minor_age = 18\nminor_agee = 17')
    assert problems_of(text) == [f"s.toml:{line_of(text, 'minor_agee')}: unknown key 'script.minor_agee' "
                                 "(expected one of: name, version, description, minor_age, max_failures, name_rule)"]


def test_missing_prompt_language_is_an_error() -> None:
    text = edited('prompt = { en = "And your date of birth?", es = "¿Y su fecha de nacimiento?" }',
                  'prompt = { en = "And your date of birth?" }')
    [problem] = problems_of(text)
    assert problem.startswith(f"s.toml:{line_of(text, 'And your date of birth?')}:")
    assert "missing required key 'es'" in problem


def test_identifier_without_prompt_is_an_error() -> None:
    text = edited('[identifiers.zip]\nattempts = 2\nprompt = { en = "What is the ZIP code on your account?", '
                  'es = "¿Cuál es el código postal de su cuenta?" }', '[identifiers.zip]\nattempts = 2')
    [problem] = problems_of(text)
    assert problem == f"s.toml:{line_of(text, '[identifiers.zip]')}: identifiers.zip: missing required key 'prompt'"


def test_impossible_any_count_is_an_error_on_its_line() -> None:
    text = edited('any = ["zip", "member_id", "ssn_last4", "passcode"], any_count = 1',
                  'any = ["zip", "member_id"], any_count = 3')
    [problem] = problems_of(text)
    assert problem == (f"s.toml:{line_of(text, 'any_count = 3')}: caller_types.patient.caller_identifiers."
                       "any_count = 3 is impossible: only 2 identifier(s) in any")


def test_rule_that_asks_nothing_is_refused() -> None:
    text = edited('caller_identifiers = { all = ["full_name", "date_of_birth"], any = ["zip", "member_id", '
                  '"ssn_last4", "passcode"], any_count = 1 }', 'caller_identifiers = { all = [] }')
    assert any("asks for nothing" in p for p in problems_of(text))


def test_unknown_field_group_is_an_error() -> None:
    text = edited('admin = ["demographics"]', 'admin = ["demographics", "genetics"]')
    [problem] = problems_of(text)
    assert problem.startswith(f"s.toml:{line_of(text, 'genetics')}:") and "unknown field group 'genetics'" in problem


def test_zero_attempts_is_impossible() -> None:
    text = edited('[identifiers.passcode]\nattempts = 1', '[identifiers.passcode]\nattempts = 0')
    [problem] = problems_of(text)
    assert "identifiers.passcode.attempts = 0 is impossible" in problem
    assert problem.startswith(f"s.toml:{line_of(text, 'attempts = 0')}:")


def test_patient_prompt_needed_when_a_third_party_is_asked_about_the_patient() -> None:
    text = edited('patient_identifiers = { all = ["full_name", "date_of_birth"], any = ["member_id", "zip"], any_count = 1 }',
                  'patient_identifiers = { all = ["full_name", "date_of_birth"], any = ["passcode"], any_count = 1 }')
    assert any("identifiers.passcode needs a patient_prompt" in p for p in problems_of(text))


def test_kind_rules_are_enforced() -> None:
    text = edited('[caller_types.other]\nkind = "escalate"', '[caller_types.other]\nkind = "representative"')
    found = problems_of(text)
    assert any("kind 'representative' needs relationships" in p for p in found)
    assert any("no field groups" in p for p in found)


def test_only_a_patient_may_record_consent() -> None:
    text = edited('may_request_access = true\npatient_identifiers = { all = ["full_name", "date_of_birth"] }',
                  'may_record_consent = true\npatient_identifiers = { all = ["full_name", "date_of_birth"] }')
    assert any("only the patient may give consent" in p for p in problems_of(text))


def test_toml_syntax_error_reports_its_line() -> None:
    text = edited('minor_age = 18', 'minor_age = = 18')
    [problem] = problems_of(text)
    assert problem.startswith(f"s.toml:{line_of(text, 'minor_age = = 18')}: not valid TOML")


def test_several_problems_are_all_reported() -> None:
    text = edited('minor_age = 18', 'minor_age = 99\nbogus = 1')
    assert len(problems_of(text)) == 2


def test_missing_file_is_a_script_error(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="no such file"):
        load_script(tmp_path / "nope.toml")


@pytest.mark.parametrize("path", sorted(DEFAULT.parent.glob("*.toml")), ids=lambda p: p.name)
def test_every_bundled_script_loads(path: Path) -> None:
    script = load_script(path)
    assert script.name == path.stem
    assert all(ct.label.en and ct.label.es for ct in script.caller_types.values())


def test_strict_script_needs_two_extra_identifiers_and_the_whole_name() -> None:
    import datetime as dt

    from agent_desktop.verify.engine import Status, Verification
    from tests.unit.verify.people import ROSA_RECORD

    v = Verification(load_script(DEFAULT.parent / "strict.toml"), "patient", ROSA_RECORD, "agent",
                     today=dt.date(2026, 11, 28))
    v.answer("full_name", "Rosa Elena Martinez Ortega")
    v.answer("date_of_birth", "1958-07-21")
    v.answer("zip", "78205")
    assert v.status is Status.ASKING
    v.answer("passcode", "girasol azul")
    assert v.status is Status.VERIFIED
