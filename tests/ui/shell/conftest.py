"""Fixtures for the shell: the real reference audit server (one per session), Kamailio
(session, tests/conftest.py), an isolated home and policy per test, and the main window."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from agent_desktop.demo.certs import TestPKI
from agent_desktop.demo.kamailio import Kamailio
from tests.support.audit_server import AuditServer, start_audit_server
from tests.support.shell_env import ShellEnv


@pytest.fixture(scope="session")
def shell_server(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[AuditServer]:
    server = start_audit_server(tmp_path_factory.mktemp("shell-audit"), pki=pki)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def env(agent_home: Path, secret_service: str, shell_server: AuditServer, kamailio: Kamailio,
        pki: TestPKI) -> Iterator[ShellEnv]:
    shell_env = ShellEnv(agent_home, Path(os.environ["AGENT_DESKTOP_POLICY"]), shell_server,
                         kamailio.registrar, pki)
    try:
        yield shell_env
    finally:
        shell_env.close()


def settle() -> None:
    """Run posted layout requests now, so widgets have their final geometry before a click."""
    from PySide6.QtWidgets import QApplication

    for _ in range(3):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


@pytest.fixture
def make_shell(qtbot: QtBot) -> Iterator[object]:
    """``make_shell(ws, **kw)`` -> Shell on a shown MainWindow (no tray, no D-Bus unless asked)."""
    from ui.look import apply_style
    from ui.main_window import MainWindow
    from ui.shell import Shell

    made: list[Shell] = []

    def make(ws: object, **kwargs: object) -> Shell:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        apply_style(app)
        window = MainWindow(ws.settings)  # type: ignore[attr-defined]
        kwargs.setdefault("os_lock", False)
        kwargs.setdefault("tray", False)
        shell = Shell(ws, window, **kwargs)  # type: ignore[arg-type]
        window.show()
        qtbot.waitExposed(window)
        settle()
        made.append(shell)
        return shell

    yield make
    for shell in made:  # detach before the window (and the shell, its child) is deleted
        if not shell._quitting:
            shell.detach()
        shell.window.close_guard = None
        shell.window.close()
        shell.window.deleteLater()
    settle()
