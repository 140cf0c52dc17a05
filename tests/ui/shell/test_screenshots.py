"""Every screen rendered on the real workstation, saved as PNG (the lock screen also with a
call ringing on it and with a call up, from a pjsua2 caller registered as a synthetic
patient's number).

In the suite the images go to a temporary folder and are checked for content; to refresh
docs/screenshots run under Xvfb (see docs/shell.md):

    AGENT_DESKTOP_SCREENSHOTS=docs/screenshots xvfb-run -a -s "-screen 0 1280x800x24" \\
      dbus-run-session -- bash scripts/with-keyring .venv/bin/python -m pytest \\
      tests/ui/shell/test_screenshots.py -q

With ``AGENT_DESKTOP_SCREENSHOT_LANGUAGE=es`` the same screens in Spanish (``*-es.png``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from agent_desktop.demo.kamailio import DEFAULT_USERS
from tests.support.shell_env import PASSWORD, SIP_PASSWORD, SIP_USER, ShellEnv
from tests.support.workstation_env import (
    WorkstationEnv,
    workstation_env,  # noqa: F401 - fixture
)
from tests.ui.shell.conftest import settle
from ui import i18n

MakeShell = Callable[..., Any]
SIZE = (1280, 800)
LANGUAGE = os.environ.get("AGENT_DESKTOP_SCREENSHOT_LANGUAGE", i18n.SOURCE_LANGUAGE)
SUFFIX = "" if LANGUAGE == i18n.SOURCE_LANGUAGE else f"-{LANGUAGE}"


def status(text: str) -> str:
    return QCoreApplication.translate("ShellStatusBar", text)


def save(widget: QWidget, folder: Path, name: str) -> Path:
    settle()
    path = folder / f"{name}{SUFFIX}.png"
    image = widget.grab().toImage()
    assert image.save(str(path)), path
    # not blank: a rendered screen has text, icons and fields, so many distinct colours
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20, (name, len(colours))
    return path


def test_every_screen_renders(env: ShellEnv, make_shell: MakeShell, qtbot: QtBot, tmp_path: Path,
                              qapp: QApplication) -> None:
    assert env.server is not None
    translation = i18n.install(qapp, LANGUAGE)
    folder = Path(os.environ.get("AGENT_DESKTOP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    ws = env.workstation(profile="jordan.lee")
    shell = make_shell(ws)
    window = shell.window
    window.resize(*SIZE)
    sign_in = window.sign_in
    save(window, folder, "first-run-enrol")

    sign_in.enrol.token.setText(env.server.token("enroll", agent=ws.profile, team="blue"))
    sign_in.enrol.button.click()
    qtbot.waitUntil(lambda: sign_in.current_page() is sign_in.vault, timeout=15_000)
    sign_in.vault.password.setText("Copper-Lantern-")
    sign_in.vault.sip_user.setText(SIP_USER)
    save(window, folder, "first-run-vault")

    sign_in.vault.password.setText(PASSWORD)
    sign_in.vault.confirm.setText(PASSWORD)
    sign_in.vault.sip_password.setText(SIP_PASSWORD)
    sign_in.vault.button.click()
    qtbot.waitUntil(lambda: window.page() is window.workspace, timeout=30_000)
    qtbot.waitUntil(lambda: window.status.registration.text() == status("Phone: registered"), timeout=20_000)
    qtbot.waitUntil(lambda: window.status.audit.text().startswith(status("Audit: online"))
                    and status("last sync %1")[:-3] in window.status.audit.text(), timeout=20_000)
    save(window, folder, "main-window")

    shell.open_settings()
    qtbot.waitUntil(lambda: shell.settings_dialog is not None and shell.settings_dialog.isVisible(),
                    timeout=10_000)
    save(shell.settings_dialog, folder, "settings")
    shell.settings_dialog.close()

    shell.lock("idle")
    qtbot.waitUntil(lambda: window.page() is window.lock_screen, timeout=10_000)
    save(window, folder, "lock-screen")

    # the next start of the application: sign in, after one wrong password
    again = make_shell(env.workstation(profile="jordan.lee"), profiles=["jordan.lee", "sam.ortiz"])
    again.window.resize(*SIZE)
    again.unlock("not my password")
    form = again.window.sign_in.form
    qtbot.waitUntil(lambda: form.message.isVisible(), timeout=15_000)
    save(again.window, folder, "sign-in")
    translation.install(i18n.SOURCE_LANGUAGE)


def test_the_lock_screen_with_a_call_ringing_and_a_call_up_renders(
        workstation_env: WorkstationEnv, make_shell: MakeShell, qtbot: QtBot,  # noqa: F811
        tmp_path: Path, qapp: QApplication) -> None:
    env = workstation_env
    translation = i18n.install(qapp, LANGUAGE)
    folder = Path(os.environ.get("AGENT_DESKTOP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    ws = env.workstation(profile="jordan.lee", **{"vault.locked_calls": "ring"})
    ws.enroll(env.enrolment_token(agent=ws.profile))
    assert ws.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"]).registered
    shell = make_shell(ws)
    window = shell.window
    window.resize(*SIZE)
    qtbot.waitUntil(lambda: window.status.audit.text().startswith(status("Audit: online"))
                    and status("last sync %1")[:-3] in window.status.audit.text(), timeout=20_000)
    shell.lock("idle")
    qtbot.waitUntil(lambda: window.page() is window.lock_screen, timeout=10_000)
    strip = shell.lock_strip

    caller = env.caller()
    caller.cmd("call", uri=env.agent_uri())
    qtbot.waitUntil(strip.frame.isVisible, timeout=20_000)
    save(window, folder, "lock-screen-ringing")

    strip.buttons["answer"].click()
    qtbot.waitUntil(lambda: "SRTP" in strip.security.text() and strip.timer_label.text() not in
                    ("", "0:00", "0:01"), timeout=20_000)
    save(window, folder, "lock-screen-call")
    strip.buttons["hangup"].click()
    qtbot.waitUntil(lambda: not strip.frame.isVisible(), timeout=20_000)
    caller.close()
    ws.guard.clear()
    ws.shutdown()
    translation.install(i18n.SOURCE_LANGUAGE)
