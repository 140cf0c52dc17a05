"""Click-to-dial (issue 18): a tel:/sip: link's number waits through sign-in and lands in the
phone panel's number field for the agent to confirm; it is never dialled on its own."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
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
        with qtbot.waitSignal(server.dial, timeout=10_000) as got:
            assert hand_over(name, "")  # a plain second launch: the window comes forward
        assert got.args == [""]
    finally:
        server.close()
    assert not os.path.exists(name)  # removed on close, as QLocalServer does


def _send(name: str, data: bytes) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(name)
        sock.sendall(data)


def test_what_is_not_one_short_line_is_ignored(tmp_path: Path, qtbot: QtBot) -> None:
    from ui.single_instance import InstanceServer, hand_over

    name = str(tmp_path / "instance.sock")
    server = InstanceServer(name)
    seen: list[str] = []
    server.dial.connect(seen.append)
    try:
        _send(name, b"+1201555")  # closed before a whole line
        _send(name, b"9" * 5000 + b"\n")  # longer than any link
        _send(name, b"javascript:alert(1)\n")  # not a link dial_target accepts
        with qtbot.waitSignal(server.dial, timeout=10_000) as got:
            assert hand_over(name, "+12015550123")
        assert got.args == ["+12015550123"]
        qtbot.wait(100)
        assert seen == ["+12015550123"]
    finally:
        server.close()


LISTENER = """
import sys
from PySide6.QtCore import QCoreApplication, QTimer
from ui.single_instance import InstanceServer, hand_over
app = QCoreApplication([])
server = InstanceServer(sys.argv[1])
server.dial.connect(lambda target: (print(target, "PySide6.QtNetwork" in sys.modules, flush=True), app.quit()))
QTimer.singleShot(0, lambda: hand_over(sys.argv[1], "+12015550123"))
QTimer.singleShot(10_000, lambda: app.exit(1))
sys.exit(app.exec())
"""


def test_the_listener_does_not_load_qtnetwork(tmp_path: Path) -> None:
    """QtNetwork and the Kerberos libraries it links are ~4.7 MB of the running desktop's
    resident set (bench/startup.py's startup.idle_rss) for this one socket."""
    child = subprocess.run([sys.executable, "-c", LISTENER, str(tmp_path / "instance.sock")],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert child.returncode == 0, child.stderr[-400:]
    assert child.stdout.split() == ["+12015550123", "False"]
