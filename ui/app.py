"""The desktop application's entry point (`agent-desktop` with no subcommand)."""

from __future__ import annotations

import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from agent_desktop import __version__
from agent_desktop.logs import configure_logging
from agent_desktop.paths import AppPaths
from agent_desktop.policy import PolicyError, Settings, load_settings
from agent_desktop.resources import resource
from ui.main_window import MainWindow


def policy_error_box(err: PolicyError) -> QMessageBox:
    """The dialog that tells the agent why the app cannot start and who can fix it."""
    box = QMessageBox(QMessageBox.Icon.Critical, "Agent Desktop cannot start",
                      "The policy your organisation deployed cannot be used.")
    box.setInformativeText(f"{err}\n\nContact IT support; Agent Desktop starts once the "
                           "policy file is fixed.")
    return box


def load_or_explain(paths: AppPaths) -> Settings | None:
    """Effective settings, or None after showing IT's broken policy to the person."""
    try:
        return load_settings(paths)
    except PolicyError as err:
        policy_error_box(err).exec()
        return None


def run(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Agent Desktop")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(QIcon(str(resource("icons/app.svg"))))
    paths = AppPaths.from_env()
    paths.ensure()
    configure_logging(paths.log)
    settings = load_or_explain(paths)
    if settings is None:
        return 2
    window = MainWindow(settings)
    window.show()
    for warning in settings.warnings:
        QMessageBox.warning(window, "Your settings were reset", warning)
    return int(app.exec())
