"""The desktop application's entry point (`agent-desktop` with no subcommand).

Start fast: the sign-in window is painted first; only after its first frame is on screen
does anything else start (the workstation, with requests, the audit client and the vault,
imported and built on a background thread that would otherwise compete with the painting
for the interpreter; the single-instance listener). pjsua2 and the directory load only at
the first unlock.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from agent_desktop import __version__
from agent_desktop.errors import AgentDesktopError
from agent_desktop.logs import configure_logging
from agent_desktop.paths import AppPaths
from agent_desktop.policy import PolicyError, Settings, load_settings
from ui import i18n
from ui.look import STYLE_ARGUMENTS, apply_style, icon
from ui.main_window import MainWindow

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from ui.shell import Shell

log = logging.getLogger(__name__)

# Called with the window once the sign-in window's first frame is on screen, just before the
# deferred start-up work starts (bench/startup.py times the start-up up to here).
PAINTED: list[Callable[[MainWindow], None]] = []
PAINT_FALLBACK_MS = 500  # a window that is never exposed (minimised at start) still starts


class FirstPaint(QObject):
    """Runs ``then`` once, just after ``window``'s first paint (or after the fallback delay)."""

    def __init__(self, window: MainWindow, then: Callable[[], None]) -> None:
        super().__init__(window)
        self._then: Callable[[], None] | None = then
        window.installEventFilter(self)
        QTimer.singleShot(PAINT_FALLBACK_MS, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._then is not None:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._fire)  # after this frame has been flushed to the screen
        return False

    def _fire(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            then()


def policy_error_box(err: PolicyError) -> QMessageBox:
    """The dialog that tells the agent why the app cannot start and who can fix it."""
    from PySide6.QtWidgets import QMessageBox

    translate = QApplication.translate
    box = QMessageBox(QMessageBox.Icon.Critical, translate("App", "Agent Desktop cannot start"),
                      translate("App", "The policy your organisation deployed cannot be used."))
    box.setInformativeText(translate("App", "%1\n\nContact IT support; Agent Desktop starts once "
                                            "the policy file is fixed.").replace("%1", str(err)))
    return box


def load_or_explain(paths: AppPaths) -> Settings | None:
    """Effective settings, or None after showing IT's broken policy to the person."""
    try:
        return load_settings(paths)
    except PolicyError as err:
        policy_error_box(err).exec()
        return None


class Launcher(QObject):
    """Builds the workstation for a profile off the GUI thread and hands it to a Shell."""

    def __init__(self, paths: AppPaths, settings: Settings, window: MainWindow, dial: str = "") -> None:
        super().__init__(window)
        # imported here, not at the top: its `Qt` import would cost the first frame ~16 ms
        from ui.ops import QtDeliver

        self.dial = dial  # click-to-dial number, handed to the shell once it exists
        self.paths = paths
        self.settings = settings
        self.window = window
        self.deliver = QtDeliver(self)
        self.shell: Shell | None = None
        window.sign_in.profile_chosen.connect(self.switch)

    def start(self, profile: str | None = None) -> None:
        self.window.sign_in.show_starting()
        threading.Thread(target=self._build, args=(profile,), name="ws-build", daemon=True).start()

    def _build(self, profile: str | None) -> None:
        try:
            from agent_desktop.app.workstation import Workstation

            profiles = Workstation.profiles(self.paths)
            chosen = profile or (profiles[0] if profiles else "default")
            ws = Workstation(self.paths, self.settings, profile=chosen)
        except AgentDesktopError as err:
            self.deliver.submit(self._failed, err)
            return
        self.deliver.submit(self._built, ws, profiles)

    def _built(self, ws: Any, profiles: list[str]) -> None:
        from ui.shell import Shell

        self.shell = Shell(ws, self.window, profiles=profiles)
        if self.dial:
            self.shell.offer_dial(self.dial)
            self.dial = ""
        app = QApplication.instance()
        self.shell.quit_finished.connect(app.quit if app is not None else (lambda: None))

    def _failed(self, err: AgentDesktopError) -> None:
        from ui.errors import error_parts

        self.window.sign_in.show_notice(*error_parts(err), "error")

    def offer_dial(self, number: str) -> None:
        """A number from a later launch: to the shell, or kept until the shell exists."""
        if self.shell is not None:
            self.shell.offer_dial(number)
        else:
            self.dial = number

    def switch(self, profile: str) -> None:
        """Another agent profile: stop this workstation, build that one."""
        old = self.shell
        if old is None or old.ws.profile == profile:
            return
        self.shell = None
        old.detach()
        self.window.sign_in.show_starting()

        def swap() -> None:
            old.ws.shutdown()
            self._build(profile)

        threading.Thread(target=swap, name="ws-switch", daemon=True).start()


def run(argv: list[str] | None = None, dial: str = "") -> int:
    """Start the desktop; `dial` (from a tel:/sip: link) lands in the phone panel's number
    field after sign-in, for the agent to confirm."""
    app = QApplication.instance()
    made_here = app is None
    if app is None:
        app = QApplication([*(argv if argv is not None else sys.argv[:1]), *STYLE_ARGUMENTS])
    assert isinstance(app, QApplication)
    app.setApplicationName("Agent Desktop")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(icon("app"))
    app.setQuitOnLastWindowClosed(False)  # the shell decides (tray, unsynced events, a call)
    apply_style(app, fusion_chosen=made_here)
    paths = AppPaths.from_env()
    paths.ensure()
    configure_logging(paths.log)
    settings = load_or_explain(paths)
    if settings is None:
        return 2
    from ui.single_instance import hand_over, socket_path

    name = socket_path(paths)
    if hand_over(name, dial):
        return 0  # the running window took the number (or was raised); no second window
    translation = i18n.install(app, str(settings.get("ui.language")))
    window = MainWindow(settings)
    window.sign_in.show_starting()
    for warning in settings.warnings:
        window.sign_in.show_notice(QApplication.translate("App", "Your settings were reset"),
                                   warning, "warning")

    def painted() -> None:
        for hook in PAINTED:
            hook(window)
        from ui.single_instance import InstanceServer

        launcher = Launcher(paths, settings, window, dial)
        instance = InstanceServer(name, window)
        instance.dial.connect(launcher.offer_dial)
        launcher.start()

    FirstPaint(window, painted)
    window.show()
    code = int(app.exec())
    del translation  # the translators live as long as the event loop
    return code
