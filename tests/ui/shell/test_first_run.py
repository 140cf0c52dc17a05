"""First run against the real reference server, and revocation back to sign-in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from agent_desktop.app.events import WorkstationState
from tests.support.shell_env import PASSWORD, SIP_PASSWORD, SIP_USER, ShellEnv

MakeShell = Callable[..., Any]


def test_first_run_enrols_creates_the_vault_and_signs_in(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    assert env.server is not None
    ws = env.workstation()
    shell = make_shell(ws)
    sign_in = shell.window.sign_in
    assert ws.state is WorkstationState.NOT_ENROLLED
    assert sign_in.current_page() is sign_in.enrol
    assert sign_in.enrol.server.text() == env.server.base_url

    # a token the server does not know: the server's refusal, in words
    qtbot.keyClicks(sign_in.enrol.token, "not-a-real-token")
    qtbot.mouseClick(sign_in.enrol.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sign_in.enrol.message.isVisible(), timeout=15_000)
    assert sign_in.enrol.message.title.text()
    assert ws.state is WorkstationState.NOT_ENROLLED

    sign_in.enrol.token.setText(env.server.token("enroll", agent=ws.profile, team="blue"))
    qtbot.mouseClick(sign_in.enrol.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sign_in.current_page() is sign_in.vault, timeout=15_000)
    assert sign_in.enrol.token.text() == ""

    step = sign_in.vault
    rules = step.rules
    qtbot.keyClicks(step.password, "qwertyuiop")
    assert not rules.passed["length"] and not rules.passed["not_sequence"]
    assert "not met" in rules.rows["length"][0].accessibleName()
    step.password.setText(ws.profile + "-and-more-words")
    assert not rules.passed["not_agent_id"]
    step.password.setText(PASSWORD)
    assert all(ok for code, ok in rules.passed.items() if code != "match")
    assert not rules.passed["match"] and not step.button.isEnabled()
    qtbot.keyClicks(step.confirm, PASSWORD)
    assert rules.passed["match"] and not step.button.isEnabled()  # SIP account still missing
    qtbot.keyClicks(step.sip_user, SIP_USER)
    qtbot.keyClicks(step.sip_password, SIP_PASSWORD)
    assert step.button.isEnabled()
    qtbot.mouseClick(step.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.window.page() is shell.window.workspace, timeout=30_000)
    assert ws.state is WorkstationState.READY
    assert step.password.text() == step.confirm.text() == step.sip_password.text() == ""
    qtbot.waitUntil(lambda: shell.window.status.registration.text() == "Phone: registered",
                    timeout=20_000)


def test_a_revoked_device_returns_to_sign_in_with_the_reason(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    assert env.server is not None
    ws = env.workstation(enrolled=True, vault=True)
    shell = make_shell(ws)
    shell.unlock(PASSWORD)
    qtbot.waitUntil(lambda: shell.window.page() is shell.window.workspace, timeout=30_000)
    assert ws.credentials is not None
    admin = env.server.session(env.server.token("admin"))
    admin.post(env.server.url(f"/v1/devices/{ws.credentials.device_id}/revoke"),
               json={"reason": "test"}, timeout=10).raise_for_status()
    ws.sync_now()
    sign_in = shell.window.sign_in
    qtbot.waitUntil(lambda: shell.window.page() is sign_in, timeout=30_000)
    qtbot.waitUntil(lambda: ws.state is WorkstationState.SIGNED_OUT, timeout=10_000)
    assert sign_in.notice.isVisible()
    assert "revoked" in sign_in.notice.title.text()
    assert "new token" in sign_in.notice.hint.text()
    assert sign_in.current_page() is sign_in.enrol  # the device's credentials are gone
    assert not shell.window.status.isVisible()


def test_first_start_with_its_token_file_enrols_unattended_and_asks_only_for_the_vault(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    import os

    from agent_desktop.audit.enrol_token import token_file

    assert env.server is not None
    ws = env.workstation()
    path = token_file(ws.paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, env.server.token("enroll", agent=ws.profile, team="blue").encode())
    os.close(fd)
    shell = make_shell(ws)
    sign_in = shell.window.sign_in
    qtbot.waitUntil(lambda: sign_in.current_page() is sign_in.vault, timeout=15_000)
    assert ws.state is WorkstationState.NO_VAULT
    assert not path.exists(), "the token file is gone once used"
