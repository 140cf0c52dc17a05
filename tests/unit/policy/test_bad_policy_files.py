"""Each kind of broken file gives an error naming the file, the key and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_desktop.cli.main import main
from agent_desktop.policy import PolicyError, load_settings

BAD = {
    "bad TOML": ("[vault\nidle_lock_minutes = 5\n", None, "not valid TOML"),
    "unknown key": ("[vault]\nidle_lock_minute = 5\n", "vault.idle_lock_minute", "unknown setting"),
    "unknown section": ("[vaults]\nidle_lock_minutes = 5\n", "vaults.idle_lock_minutes", "unknown setting"),
    "wrong type": ('[vault]\nidle_lock_minutes = "ten"\n', "vault.idle_lock_minutes", "expected a whole number, got a string"),
    "bool for int": ("[vault]\nidle_lock_minutes = true\n", "vault.idle_lock_minutes", "expected a whole number"),
    "out of bounds": ("[vault]\nidle_lock_minutes = 600\n", "vault.idle_lock_minutes", "above the maximum of 60"),
    "bad choice": ('[ui]\nlanguage = "fr"\n', "ui.language", "not one of en, es"),
    "value not table": ("vault = 3\n", "vault", "expected a [vault] table"),
    "lock unknown key": ('[policy]\nlocked = ["sip.nope"]\n', "sip.nope", "unknown setting"),
    "bad lock table": ('[policy]\nlock = ["sip.registrar"]\n', "policy", "takes only"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_broken_system_policy_is_fatal_and_names_file_key_problem(tmp_path: Path, case: str) -> None:
    text, key, problem = BAD[case]
    policy = tmp_path / "policy.toml"
    policy.write_text(text)
    with pytest.raises(PolicyError) as info:
        load_settings(policy_file=policy, user_file=tmp_path / "settings.toml")
    message = str(info.value)
    assert str(policy) in message
    assert problem in message
    if key:
        assert key in message


@pytest.mark.parametrize("case", sorted(set(BAD) - {"lock unknown key", "bad lock table"}))
def test_broken_user_settings_are_set_aside_and_defaults_apply(tmp_path: Path, case: str) -> None:
    text, key, problem = BAD[case]
    user = tmp_path / "settings.toml"
    user.write_text(text)
    s = load_settings(policy_file=tmp_path / "absent.toml", user_file=user)
    assert not user.exists()
    aside = list(tmp_path.glob("settings.toml.broken-*"))
    assert len(aside) == 1 and aside[0].read_text() == text  # nothing lost
    assert s.get("vault.idle_lock_minutes") == 10
    assert len(s.warnings) == 1 and problem in s.warnings[0] and aside[0].name in s.warnings[0]


def test_cli_exits_2_with_the_problem_for_a_broken_policy(
    agent_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = agent_home.parent / "policy.toml"
    policy.write_text('[vault]\nidle_lock_minutes = "ten"\n')
    assert main(["policy", "show"]) == 2
    err = capsys.readouterr().err
    assert str(policy) in err and "vault.idle_lock_minutes" in err


def test_policy_check_accepts_the_bundled_example(capsys: pytest.CaptureFixture[str]) -> None:
    from agent_desktop.resources import resource

    example = Path(str(resource("policy.example.toml")))
    assert main(["policy", "check", str(example)]) == 0
    assert "ok" in capsys.readouterr().out


def test_policy_check_rejects_bad_file_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text("[sip]\nsrtp_required = 1\n")
    assert main(["policy", "check", str(bad)]) == 2
    assert "sip.srtp_required: expected true or false" in capsys.readouterr().err
