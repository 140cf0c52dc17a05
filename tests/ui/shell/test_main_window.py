"""The main window without a workstation: pages, policy indicator, accessible names, and
the start-up rule (the sign-in window paints before the workstation's imports)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from agent_desktop.policy import load_settings
from ui.main_window import MainWindow

CONTROLS = ("QAbstractButton", "QLineEdit", "QComboBox", "QAbstractSpinBox", "QKeySequenceEdit")


def unnamed_controls(root: object) -> list[str]:
    from PySide6.QtWidgets import QWidget

    assert isinstance(root, QWidget)
    missing = []
    for widget in (root, *root.findChildren(QWidget)):
        kinds = {cls.__name__ for cls in type(widget).__mro__}
        if kinds & set(CONTROLS) and not widget.accessibleName() and widget.parent() is not None \
                and type(widget.parent()).__name__ not in ("QSpinBox", "QKeySequenceEdit", "QComboBox"):
            missing.append(f"{type(widget).__name__}:{widget.objectName()}")
    return missing


def test_main_window_shows_sign_in_and_what_policy_locks(tmp_path: Path, qtbot: QtBot) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\nlocked = ["sip.registrar"]\n[sip]\nregistrar = "sips:pbx.example.org:5061"\n')
    settings = load_settings(policy_file=policy, user_file=tmp_path / "settings.toml")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    assert window.page() is window.sign_in
    assert window.status.policy.text() == "1 setting(s) set by your organisation"
    assert str(policy) in window.status.policy.toolTip()
    assert window.sign_in.enrol.server.text() == "not configured"
    assert "audit.server_url" in window.sign_in.enrol.message.hint.text()


def test_every_control_has_an_accessible_name(tmp_path: Path, qtbot: QtBot) -> None:
    from ui.settings_dialog import SettingsDialog

    settings = load_settings(policy_file=tmp_path / "none.toml", user_file=tmp_path / "s.toml")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    dialog = SettingsDialog(settings, [("USB Headset", True, True)], window)
    assert unnamed_controls(window) == []
    assert unnamed_controls(dialog) == []


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


def test_the_sign_in_window_needs_neither_pjsua2_nor_the_workstation() -> None:
    """What `agent-desktop` imports before painting: no pjsua2, directory, audit client."""
    code = ("import sys; import ui.app, ui.main_window; "
            "heavy = [m for m in ('pjsua2', 'requests', 'agent_desktop.app.workstation', "
            "'agent_desktop.directory.service', 'agent_desktop.audit.sync') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


FIRST_FRAME = r"""
import os, sys
from agent_desktop.cli.main import main
import ui.app

def painted(window):
    heavy = [m for m in ("pjsua2", "requests", "keyring", "sqlcipher3", "agent_desktop.vault.vault",
                         "agent_desktop.cli.vault_cmd", "agent_desktop.cli.server_cmd", "PySide6.QtNetwork",
                         "ui.pages.workspace", "ui.pages.lock_screen", "ui.pages.enrol_step",
                         # cheaper ways exist for what the first frame needs of these
                         "hashlib", "socket", "logging.handlers", "tomli_w", "importlib.resources", "locale",
                         "ui.widgets.banner", "ui.errors")
             if m in sys.modules]
    print(heavy, flush=True)
    os._exit(0)

ui.app.PAINTED.append(painted)
main([])
"""


def test_the_desktop_command_paints_before_loading_other_commands_pages_or_the_network(
        tmp_path: Path) -> None:
    """`agent-desktop` as installed (its command-line entry): the first frame waits for no
    other subcommand's modules (the vault, requests, keyring), no QtNetwork and no page but
    the sign-in's; all of those load after it. Nor for OpenSSL (hashlib), the socket module
    (no running instance to hand over to), logging.handlers, the TOML writer,
    importlib.resources, argparse's gettext lookups (locale), the hidden banner."""
    import os

    policy = tmp_path / "policy.toml"
    policy.write_text('[ui]\nlanguage = "en"\n')
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", AGENT_DESKTOP_HOME=str(tmp_path / "home"),
               AGENT_DESKTOP_POLICY=str(policy))
    out = subprocess.run([sys.executable, "-c", FIRST_FRAME], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_launcher_builds_the_workstation_after_painting(
        env: object, qtbot: QtBot) -> None:
    """What `agent-desktop` runs: the window shows "Starting…", the workstation is built off
    the GUI thread, then the shell takes over (here: first run, so the enrol step)."""
    from tests.support.shell_env import ShellEnv
    from ui.app import Launcher

    assert isinstance(env, ShellEnv)
    env.profiles.add("default")
    settings = env.settings()
    window = MainWindow(settings)
    qtbot.addWidget(window)
    launcher = Launcher(env.paths, settings, window)
    window.show()
    launcher.start()
    assert window.sign_in.current_page() is window.sign_in.starting
    qtbot.waitUntil(lambda: launcher.shell is not None, timeout=30_000)
    shell = launcher.shell
    assert shell is not None
    env.made.append(shell.ws)
    try:
        assert shell.ws.profile == "default"
        assert window.sign_in.current_page() is window.sign_in.enrol
    finally:
        shell.detach()
