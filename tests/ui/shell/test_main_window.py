from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from agent_desktop.policy import load_settings
from ui.main_window import MainWindow


def test_main_window_shows_settings_and_which_are_locked(tmp_path: Path, qtbot: QtBot) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\nlocked = ["sip.registrar"]\n[sip]\nregistrar = "sips:pbx.example.org:5061"\n')
    settings = load_settings(policy_file=policy, user_file=tmp_path / "settings.toml")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    from PySide6.QtWidgets import QLabel

    registrar = window.findChild(QLabel, "setting:sip.registrar")
    assert registrar is not None
    assert registrar.text() == "sips:pbx.example.org:5061  (set by your organisation)"
    audit = window.findChild(QLabel, "setting:audit.server_url")
    assert audit is not None and audit.text() == "not configured"
    source = window.findChild(QLabel, "policy-source")
    assert source is not None and str(policy) in source.text()


def test_broken_policy_dialog_names_file_key_and_who_fixes_it(tmp_path: Path, qtbot: QtBot) -> None:
    import pytest

    from agent_desktop.policy import PolicyError
    from ui.app import policy_error_box

    policy = tmp_path / "policy.toml"
    policy.write_text("[vault]\nidle_lock_minutes = 999\n")
    with pytest.raises(PolicyError) as info:
        load_settings(policy_file=policy, user_file=tmp_path / "s.toml")
    box = policy_error_box(info.value)
    qtbot.addWidget(box)
    text = box.informativeText()
    assert str(policy) in text and "vault.idle_lock_minutes" in text and "above the maximum" in text
    assert "Contact IT" in text
