"""`agent-desktop policy template`: generated from the settings table, checked like IT's file."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from agent_desktop.cli.main import main
from agent_desktop.policy import SETTINGS, load_policy
from agent_desktop.policy.template import render_template
from agent_desktop.resources import resource

SETTING_LINE = re.compile(r"^#(?=[a-z_]+ = )", re.M)


def cli_template(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["policy", "template"]) == 0
    return capsys.readouterr().out


def test_template_passes_policy_check_as_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(cli_template(capsys))
    assert main(["policy", "check", str(policy)]) == 0
    assert capsys.readouterr().out == f"{policy}: ok (0 settings, 0 locked)\n"


def test_every_setting_uncommented_is_a_valid_policy_of_the_defaults(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(SETTING_LINE.sub("", render_template()))
    values, locked, present = load_policy(policy)
    assert present and values == {name: s.default for name, s in SETTINGS.items()}
    assert locked == ["sip.registrar", "vault.idle_lock_minutes"]


def test_each_setting_is_described_with_how_policy_controls_it() -> None:
    text = render_template()
    sections = tomllib.loads(SETTING_LINE.sub("", text))
    for name, setting in SETTINGS.items():
        assert name.split(".", 1)[1] in sections[setting.section], name
        section = text.split(f"\n[{setting.section}]\n", 1)[1].split("\n[", 1)[0]
        block = section.split(f"\n#{setting.key} = ", 1)[0].rsplit("\n\n", 1)[-1]
        assert setting.description in block, name
        assert ("policy only" in block) == setting.policy_only, name
        assert ("ceiling" in block) == setting.policy_caps_user, name
        if setting.maximum is not None:
            assert f"..{setting.maximum:g}" in block, name


def test_example_policy_says_which_files_it_must_provide() -> None:
    """Every file path in the shipped example is either marked as IT's to provide, or exists."""
    text = resource("policy.example.toml").read_text("utf-8")
    data = tomllib.loads(text)
    paths = [(f"{s}.{k}", v) for s, table in data.items() if s != "policy"
             for k, v in table.items() if isinstance(v, str) and v.startswith("/")]
    assert paths, "the example names no file: this test would prove nothing"
    for name, path in paths:
        line = next(line for line in text.splitlines() if line.startswith(name.split(".", 1)[1] + " ="))
        assert "IT provides" in line or Path(path).exists(), f"{name} = {path}: say who provides it"
