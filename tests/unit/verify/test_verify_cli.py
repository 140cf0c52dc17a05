"""`agent-desktop verify check|simulate` as compliance runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_desktop.cli.main import main
from agent_desktop.verify.script import script_path

EXAMPLES = script_path("default").parent / "examples"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_accepts_the_default_script(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify", "check", str(script_path("default")))
    assert code == 0 and "ok" in out


def test_check_prints_file_line_problem_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(script_path("default").read_text("utf-8").replace("max_failures = 3", "max_failures = 0\nfoo = 1"))
    code, out, _ = run(capsys, "verify", "check", str(bad))
    assert code == 2
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{bad}:") for line in lines)
    assert "max_failures = 0 is impossible" in out and "unknown key 'script.foo'" in out


def simulate(capsys: pytest.CaptureFixture[str], answers: list[list[str]], tmp_path: Path, *extra: str) -> tuple[int, dict, str]:
    answers_file = tmp_path / "answers.json"
    answers_file.write_text(json.dumps(answers))
    code, out, err = run(capsys, "verify", "simulate", "--script", str(script_path("default")),
                         "--patient", str(EXAMPLES / "patient.json"), "--answers", str(answers_file),
                         "--today", "2026-11-28", *extra)
    return code, (json.loads(out) if out else {}), err


def test_simulate_documented_example_verifies_the_patient(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify", "simulate", "--patient", str(EXAMPLES / "patient.json"),
                       "--caller-type", "patient", "--answers", str(EXAMPLES / "answers-patient.json"),
                       "--script", str(script_path("default")), "--today", "2026-11-28", "--expect", "verified")
    result = json.loads(out)
    assert code == 0
    assert result["outcome"] == "verified"
    assert result["groups"] == ["appointments", "billing", "care_plan", "demographics", "lab_results", "medications"]
    assert [a["result"] for a in result["answers"]] == ["match", "match", "match"]


def test_simulate_failure_reports_reason_and_each_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, result, _ = simulate(capsys, [["full_name", "Rosa Martinez"], ["date_of_birth", "03/04/1958"],
                                        ["date_of_birth", "1958-07-20"], ["date_of_birth", "1958-07-22"],
                                        ["zip", "78205"]],
                               tmp_path, "--caller-type", "patient", "--expect", "verified")
    assert code == 1  # --expect verified, got failed
    assert result["outcome"] == "failed" and result["reason"] == "identifier_attempts_exhausted"
    assert [a["result"] for a in result["answers"]] == ["match", "ask_again", "no_match", "no_match"]
    assert result["answers"][1]["problem"] == "day_month_ambiguous"
    assert result["unused_answers"] == 1 and result["groups"] == []


def test_simulate_output_carries_no_answer_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, result, _ = simulate(capsys, [["full_name", "Rosa Martinez"], ["date_of_birth", "1958-07-21"],
                                     ["ssn_last4", "6620"]], tmp_path, "--caller-type", "patient")
    text = json.dumps(result)
    for value in ("Rosa", "Martinez", "1958", "6620"):
        assert value not in text


def test_simulate_representative_by_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, result, _ = simulate(capsys, json.loads((EXAMPLES / "answers-family.json").read_text("utf-8")), tmp_path,
                               "--caller-type", "family_with_consent", "--representative",
                               str(EXAMPLES / "representative.json"))
    assert code == 0 and result["outcome"] == "verified" and result["groups"] == ["appointments", "medications"]


def test_simulate_after_consent_expiry_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify", "simulate", "--script", str(script_path("default")),
                       "--patient", str(EXAMPLES / "patient.json"), "--caller-type", "family_with_consent",
                       "--answers", str(EXAMPLES / "answers-family.json"),
                       "--representative", str(EXAMPLES / "representative.json"), "--today", "2027-06-01")
    assert code == 0 and json.loads(out)["reason"] == "consent_expired"


@pytest.mark.parametrize("content,message", [
    ("[[\"full_name\"]]", "answer 1: expected [identifier, typed text]"),
    ("[[\"shoe_size\", \"9\"]]", "unknown identifier 'shoe_size'"),
    ("{not json", "not valid JSON"),
])
def test_simulate_bad_answers_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           content: str, message: str) -> None:
    answers = tmp_path / "a.json"
    answers.write_text(content)
    code, out, err = run(capsys, "verify", "simulate", "--script", str(script_path("default")),
                         "--patient", str(EXAMPLES / "patient.json"), "--caller-type", "patient",
                         "--answers", str(answers))
    assert code == 2 and message in err and out == ""


def test_simulate_bad_patient_record_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patient = tmp_path / "p.json"
    patient.write_text(json.dumps({"id": "p1", "given": ["A"], "family": ["B"], "birth_date": "July 4"}))
    answers = tmp_path / "a.json"
    answers.write_text("[]")
    code, _, err = run(capsys, "verify", "simulate", "--script", str(script_path("default")),
                       "--patient", str(patient), "--caller-type", "patient", "--answers", str(answers))
    assert code == 2 and "patient.birth_date: expected a date as YYYY-MM-DD" in err
    assert "July" not in err


def test_simulate_unknown_caller_type_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = simulate(capsys, [], tmp_path, "--caller-type", "neighbour")
    assert code == 2 and "unknown caller type 'neighbour'" in err


def test_simulate_uses_the_policy_script_and_refuses_a_broken_one(
        agent_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    custom = tmp_path / "strict.toml"
    custom.write_text(script_path("default").read_text("utf-8").replace(
        'name_rule = "given_and_first_surname"', 'name_rule = "full"'))
    Path(os.environ["AGENT_DESKTOP_POLICY"]).write_text(f'[verification]\nscript = "{custom}"\n')
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps([["full_name", "Rosa Martinez"]]))
    argv = ["verify", "simulate", "--patient", str(EXAMPLES / "patient.json"), "--caller-type", "patient",
            "--answers", str(answers), "--today", "2026-11-28"]
    code, out, _ = run(capsys, *argv)
    # the strict script wants every given name and surname: "Rosa Martinez" is a miss
    assert code == 0 and json.loads(out)["answers"][0]["result"] == "no_match"
    custom.write_text(custom.read_text("utf-8").replace("minor_age = 18", "minor_age = 0"))
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert f"{custom}:" in err and "minor_age = 0 is impossible" in err
