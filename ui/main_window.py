"""The one top-level window: sign-in (with first run), the workspace frame and the lock
screen are pages of it; a banner on top, the status bar below once signed in.

The workspace, the lock screen, the status bar and the banner are built (and their modules
imported) on first use, which is after the sign-in window has painted: the start waits for
the sign-in page only."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from agent_desktop import __version__
from agent_desktop.policy import Settings
from ui.look import icon
from ui.pages.sign_in import SignInView

if TYPE_CHECKING:
    from PySide6.QtGui import QAction, QCloseEvent

    from ui.pages.lock_screen import LockScreen
    from ui.pages.workspace import WorkspaceFrame
    from ui.widgets.banner import Banner
    from ui.widgets.status_bar import ShellStatusBar

SHORTCUT_ACTIONS = {"ui.shortcut_lock": "lock", "ui.shortcut_available": "available",
                    "ui.shortcut_not_ready": "not_ready", "ui.shortcut_settings": "settings"}


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.setWindowTitle(self.tr("Agent Desktop"))
        self.setWindowIcon(icon("app"))
        self.setAccessibleName(self.tr("Agent Desktop %1").replace("%1", __version__))
        self.resize(1120, 720)
        self.setMinimumSize(860, 600)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self._layout = layout
        self._banner: Banner | None = None  # hidden until an alert: built by the first one (~5 ms)
        self.stack = QStackedWidget(central)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        managed = any(r.locked and r.source == "policy" for r in settings.values.values())
        self.sign_in = SignInView(server_url=str(settings.get("audit.server_url")),
                                  min_password_length=int(settings.get("vault.password_min_length")),
                                  managed=managed, parent=self.stack)
        self.stack.addWidget(self.sign_in)
        self._workspace: WorkspaceFrame | None = None
        self._lock_screen: LockScreen | None = None
        self._status: ShellStatusBar | None = None  # shown once signed in: built then
        self._signed_in_now = False
        # the shortcut actions are built by their first use (the shell's), after the first
        # frame; their keys are set at the first sign-in (the actions are disabled until then):
        # PySide's first setShortcut builds every enum of the Qt namespace, ~16 ms
        self._actions: dict[str, QAction] | None = None
        self._shortcuts_set = False
        self.close_guard: Callable[[QCloseEvent], None] | None = None
        self.show_sign_in()

    @property
    def actions_by_name(self) -> dict[str, QAction]:
        if self._actions is None:
            from PySide6.QtGui import QAction

            texts = {"lock": self.tr("Lock"), "available": self.tr("Available"),
                     "not_ready": self.tr("Not ready"), "settings": self.tr("Settings")}
            self._actions = {}
            for key in SHORTCUT_ACTIONS.values():
                action = QAction(texts[key], self)
                action.setObjectName(f"action:{key}")
                self.addAction(action)
                self._actions[key] = action
            self._enable_actions()
        return self._actions

    @property
    def banner(self) -> Banner:
        if self._banner is None:
            from ui.widgets.banner import Banner

            self._banner = Banner(self.centralWidget())
            self._layout.insertWidget(0, self._banner)
        return self._banner

    @property
    def workspace(self) -> WorkspaceFrame:
        if self._workspace is None:
            from ui.pages.workspace import WorkspaceFrame

            self._workspace = WorkspaceFrame(list(self.settings.get("agent.not_ready_reasons")), self.stack)
            self.stack.addWidget(self._workspace)
        return self._workspace

    @property
    def status(self) -> ShellStatusBar:
        if self._status is None:
            from ui.widgets.status_bar import ShellStatusBar

            self._status = ShellStatusBar(self)
            self.setStatusBar(self._status)
            self._status.set_policy(sum(1 for r in self.settings.values.values()
                                        if r.locked and r.source == "policy"), str(self.settings.policy_file))
            self._status.setVisible(self._signed_in_now)
        return self._status

    @property
    def lock_screen(self) -> LockScreen:
        if self._lock_screen is None:
            from ui.pages.lock_screen import LockScreen

            self._lock_screen = LockScreen(self.stack)
            self.stack.addWidget(self._lock_screen)
        return self._lock_screen

    def apply_shortcuts(self, settings: Settings) -> None:
        self.settings = settings
        self._shortcuts_set = True
        from PySide6.QtGui import QKeySequence

        for name, key in SHORTCUT_ACTIONS.items():
            self.actions_by_name[key].setShortcut(QKeySequence(str(settings.get(name))))

    def _signed_in(self, yes: bool) -> None:
        self._signed_in_now = yes
        if yes and not self._shortcuts_set:
            self.apply_shortcuts(self.settings)
        if yes or self._status is not None:
            self.status.setVisible(yes)
        self._enable_actions()

    def _enable_actions(self) -> None:
        yes, page = self._signed_in_now, self.stack.currentWidget()
        for key, action in (self._actions or {}).items():
            action.setEnabled(yes and (key == "lock" and page is not self._lock_screen or page is self._workspace))

    def show_sign_in(self) -> None:
        self.stack.setCurrentWidget(self.sign_in)
        self._signed_in(False)

    def show_workspace(self) -> None:
        self.stack.setCurrentWidget(self.workspace)
        self._signed_in(True)

    def show_lock(self) -> None:
        self.stack.setCurrentWidget(self.lock_screen)
        self._signed_in(True)  # Lock too is disabled on the lock screen

    def page(self) -> QWidget | None:
        return self.stack.currentWidget()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.close_guard is not None:
            self.close_guard(event)
        else:
            event.accept()
