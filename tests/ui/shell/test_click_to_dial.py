"""Click-to-dial (issue 18): a tel:/sip: link's number waits through sign-in and lands in the
phone panel's number field for the agent to confirm; it is never dialled on its own."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from agent_desktop.phone.links import dial_target
from tests.support.shell_env import ShellEnv
from tests.ui.shell.test_lock import sign_in

MakeShell = Callable[..., Any]


def test_a_link_number_waits_for_sign_in_then_fills_the_dial_field(
        env: ShellEnv, make_shell: MakeShell, qtbot: QtBot) -> None:
    ws = env.workstation(enrolled=True, vault=True)
    shell = make_shell(ws)
    shell.offer_dial(dial_target("tel:+1-201-555-0123"))
    assert shell.window.page() is not shell.window.workspace  # nothing shown before sign-in
    sign_in(shell, qtbot)
    phone = shell.window.workspace.calls.phone
    qtbot.waitUntil(lambda: phone.number.text() == "+12015550123", timeout=15_000)
    assert not phone.calls  # the agent confirms; nothing was dialled
    shell.offer_dial(dial_target("sip:bob@pbx.example.org;transport=tls"))  # app already signed in
    assert phone.number.text() == "sip:bob@pbx.example.org"


def test_a_second_launch_hands_its_number_to_the_running_instance(
        tmp_path: Path, qtbot: QtBot) -> None:
    from ui.single_instance import InstanceServer, hand_over

    name = str(tmp_path / "instance.sock")
    assert not hand_over(name, "+12015550123", timeout_ms=200)  # none running: this one starts
    server = InstanceServer(name)
    try:
        assert server.listening
        assert stat.S_IMODE(os.stat(name).st_mode) & 0o077 == 0  # the user's own socket
        with qtbot.waitSignal(server.dial, timeout=10_000) as got:
            assert hand_over(name, "sip:bob@pbx.example.org")
        assert got.args == ["sip:bob@pbx.example.org"]
        with qtbot.waitSignal(server.dial, timeout=10_000) as got:
            assert hand_over(name, "+12015550123")
        assert got.args == ["+12015550123"]
    finally:
        server.close()
