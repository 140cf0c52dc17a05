"""The shell: drives the main window from one running Workstation.

It marks the GUI thread for the workstation's guard, runs every blocking call through
:class:`GuiOps`, receives core events through :class:`EventBridge`, feeds the idle tracker
from an application-wide input filter, locks on the OS screen lock and suspend, clears
every PHI widget when the core says so, and asks before quitting with a call up or audit
events not yet on the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from agent_desktop.app.events import (
    AfterCallWorkTick,
    AgentStatusChanged,
    DropPhi,
    ReadyReport,
    SettingsChanged,
    StateChanged,
    WorkstationState,
)
from agent_desktop.app.workstation import Workstation
from agent_desktop.audit.notices import AuditChainAlert, AuditSyncStatus, DeviceRevoked
from agent_desktop.errors import AgentDesktopError
from agent_desktop.phone.events import RegistrationChanged
from agent_desktop.presence.states import AgentStatus, Presence
from agent_desktop.vault.events import VaultLocked, VaultUnlocked
from ui import i18n
from ui.activity import ActivityFilter
from ui.errors import error_text
from ui.main_window import MainWindow
from ui.ops import EventBridge, GuiOps
from ui.phi import clear_phi
from ui.settings_dialog import SettingsDialog
from ui.tray import Tray, make_tray

EVENTS = (StateChanged, DropPhi, AgentStatusChanged, AfterCallWorkTick, SettingsChanged,
          AuditSyncStatus, AuditChainAlert, DeviceRevoked, RegistrationChanged, VaultLocked,
          VaultUnlocked)


def lock_message(reason: str) -> str:
    return {"idle": QCoreApplication.translate("Shell", "Locked after a period of inactivity."),
            "screen_lock": QCoreApplication.translate("Shell", "Locked because the screen locked."),
            "suspend": QCoreApplication.translate("Shell", "Locked because the computer went to sleep."),
            "manual": QCoreApplication.translate("Shell", "You locked the workstation.")}.get(reason, QCoreApplication.translate("Shell", "Locked."))


def signed_out_message(reason: str) -> tuple[str, str]:
    if reason == "revoked":
        return (QCoreApplication.translate("Shell", "IT revoked this workstation's access; its local data was wiped."),
                QCoreApplication.translate("Shell", "Enrol again with a new token from IT."))
    if reason == "wipe":
        return (QCoreApplication.translate("Shell", "This profile's vault was wiped."), QCoreApplication.translate("Shell", "Enrol again with a new token from IT."))
    return QCoreApplication.translate("Shell", "You were signed out."), ""


class Shell(QObject):
    quit_finished = Signal()

    def __init__(self, workstation: Workstation, window: MainWindow, *, profiles: list[str] | None = None,
                 os_lock: bool = True, tray: bool = True,
                 ask: Callable[[str, str], bool] | None = None) -> None:
        super().__init__(window)
        self.ws = workstation
        self.window = window
        workstation.guard.mark()  # from here on a blocking call on this thread raises
        self.ops = GuiOps(workstation, self)
        self.bridge = EventBridge(workstation, EVENTS, self)
        self.bridge.arrived.connect(self._on_event)
        self.ask = ask or self._ask_box
        self.settings_dialog: SettingsDialog | None = None
        self._meters = QTimer(self)
        self._meters.setInterval(100)
        self._meters.timeout.connect(self._poll_levels)
        self._levels_pending = False
        self._was_ready = False
        self._quitting = False
        self.team_window: Any = None  # the team lead's roster, its own window
        self._pending_dial = ""  # click-to-dial number waiting for sign-in (never logged)
        app = QApplication.instance()
        # the idle tracker's own clock, so a test's fake clock drives both
        self.activity = ActivityFilter(workstation.activity, clock=workstation.idle.clock, parent=self)
        if app is not None:
            app.installEventFilter(self.activity)
        self.os_lock: Any = None
        if os_lock:
            from ui.os_lock import OsLockListener

            self.os_lock = OsLockListener(self)
            self.os_lock.locked.connect(self.os_locked)
        reasons = list(workstation.settings.get("agent.not_ready_reasons"))
        self.tray: Tray | None = make_tray(reasons[0] if reasons else "", self) if tray else None
        if self.tray is not None:
            self.tray.show_requested.connect(self._raise)
            self.tray.lock_requested.connect(lambda: self.lock("manual"))
            self.tray.quit_requested.connect(self.request_quit)
            self.tray.state_requested.connect(self.set_agent_state)
        self._wire(window)
        window.sign_in.set_profiles(profiles or [workstation.profile], workstation.profile)
        self._embed_calls()
        self.show_state(workstation.state)
        if workstation.state is WorkstationState.NOT_ENROLLED:
            self.enrol_unattended()
        if workstation.phone is not None:  # built on a signed-in workstation (the demo): no event comes
            reg = workstation.phone.registration
            window.status.set_registration(reg.state, reg.reason)
        self.refresh_throttle()

    def _wire(self, w: MainWindow) -> None:
        actions = w.actions_by_name
        pairs: list[tuple[Any, Callable[..., Any]]] = [
            (w.sign_in.unlock_requested, self.unlock),
            (w.lock_screen.unlock_requested, self.unlock),
            (w.sign_in.enrol.enrol_requested, self.enrol),
            (w.sign_in.vault.create_requested, self.create_vault),
            (w.workspace.lock_clicked, lambda: self.lock("manual")),
            (w.workspace.settings_clicked, self.open_settings),
            (w.workspace.agent_state.state_chosen, self.set_agent_state),
            (actions["lock"].triggered, lambda: self.lock("manual")),
            (actions["settings"].triggered, self.open_settings),
            (actions["available"].triggered, lambda: self.set_agent_state(Presence.AVAILABLE, "")),
            (actions["not_ready"].triggered, self._not_ready_shortcut),
        ]
        self._connections = [signal.connect(slot) for signal, slot in pairs]
        w.close_guard = self._close_requested

    def detach(self) -> None:
        """Let go of the window (another profile's shell takes it over)."""
        for connection in self._connections:
            QObject.disconnect(connection)
        self._connections.clear()
        self.window.close_guard = None
        self._close_team_view()
        self._meters.stop()
        self.bridge.close()
        self.lock_strip.close_bridge()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.activity)
        if self.tray is not None:
            self.tray.close()
            self.tray = None
        if self.os_lock is not None:
            self.os_lock.close()
            self.os_lock = None
        self.ws.guard.clear()

    def _embed_calls(self) -> None:
        from ui.calls.lock_strip import LockCallStrip
        from ui.calls.workspace import CallWorkspace

        calls = CallWorkspace(self.ws, self.ops)
        calls.notify.connect(self._notify)
        self.window.workspace.embed_calls(calls)
        # the call kept while locked: its controls on the lock screen, PHI-free
        self.lock_strip = LockCallStrip(self.ws, self.ops)
        self.window.lock_screen.embed_call_strip(self.lock_strip)

    def _notify(self, text: str) -> None:
        """A desktop notification (never PHI: the calls view masks the number) via the tray."""
        if self.tray is not None and not self.window.isActiveWindow():
            self.tray.icon.showMessage(QCoreApplication.translate("Shell", "Agent Desktop"), text)

    # --- events from the core ---------------------------------------------------------------
    def _on_event(self, event: Any) -> None:
        status = self.window.status
        if isinstance(event, StateChanged):
            self.show_state(event.state, event.reason)
        elif isinstance(event, DropPhi):
            clear_phi()
        elif isinstance(event, AgentStatusChanged):
            self._show_agent(event.status)
        elif isinstance(event, AfterCallWorkTick):
            self.window.workspace.agent_state.show_acw(event.seconds_left)
        elif isinstance(event, SettingsChanged):
            self._settings_changed()
        elif isinstance(event, AuditSyncStatus):
            status.set_audit(event)
            if not event.halted:
                self.window.banner.clear_alert("chain")
        elif isinstance(event, AuditChainAlert):
            where = QCoreApplication.translate("Shell", " at event %1").replace("%1", str(event.seq)) if event.seq else ""
            self.window.banner.show_alert("chain", QCoreApplication.translate("Shell",
                "The audit server found a break in this workstation's audit chain%1. Sync is "
                "paused until IT investigates; your work is still recorded on this "
                "workstation.").replace("%1", where))
        elif isinstance(event, DeviceRevoked):
            self.window.banner.show_alert("revoked", QCoreApplication.translate("Shell",
                "IT revoked this workstation's access. Its local data is being wiped."))
        elif isinstance(event, RegistrationChanged):
            status.set_registration(event.state, event.reason)
        elif isinstance(event, VaultLocked | VaultUnlocked):
            status.set_vault(isinstance(event, VaultUnlocked))

    def show_state(self, state: WorkstationState, reason: str = "") -> None:
        w = self.window
        if state is WorkstationState.NOT_ENROLLED:
            w.show_sign_in()
            w.sign_in.show_enrol()
        elif state is WorkstationState.NO_VAULT:
            w.sign_in.enrol.done()  # the one-time token leaves the widget with the step
            w.show_sign_in()
            w.sign_in.show_vault(self.ws.profile)
        elif state is WorkstationState.LOCKED:
            self._close_team_view()
            clear_phi()
            if self._was_ready:
                w.lock_screen.set_locked(lock_message(reason), self.ws.profile)
                w.show_lock()
            else:
                w.show_sign_in()
                w.sign_in.show_unlock()
            w.status.set_vault(False)
        elif state is WorkstationState.READY:
            self._was_ready = True
            w.banner.clear_alert("revoked")
            w.workspace.who.setText(self.ws.profile)
            w.status.set_vault(True)
            w.status.set_audit(self.ws.sync_status())
            w.show_workspace()
            self._show_agent(self.ws.status.status)
            self._open_team_view()
            self._fill_dial()
        elif state is WorkstationState.SIGNED_OUT:
            self._close_team_view()
            clear_phi()
            self._was_ready = False
            message, hint = signed_out_message(reason)
            w.show_sign_in()
            w.sign_in.show_notice(message, hint)
            if self.ws.credentials is None:
                w.sign_in.show_enrol()
            else:
                w.sign_in.show_unlock()
        if self.tray is not None:
            self.tray.show_status(self._state_words(state))

    def _open_team_view(self) -> None:
        """A team lead's roster opens beside the main window, which keeps the phone."""
        if self.ws.role != "team_lead" or self.team_window is not None:
            return
        from ui.teamlead.window import TeamLeadWindow

        self.team_window = TeamLeadWindow(self.ws, self.ops)
        self.team_window.show()

    def _close_team_view(self) -> None:
        if self.team_window is not None:
            self.team_window.close()
            self.team_window.deleteLater()
            self.team_window = None

    def offer_dial(self, number: str) -> None:
        """Click-to-dial: put the number in the phone panel for the agent to confirm (Enter
        or Call); it waits there through sign-in, and is never dialled on its own."""
        if not number:
            self._raise()
            return
        self._pending_dial = number
        if self.ws.state is WorkstationState.READY:
            self._fill_dial()

    def _fill_dial(self) -> None:
        calls: Any = self.window.workspace.calls
        if not self._pending_dial or calls is None:
            return
        calls.phone.number.setText(self._pending_dial)
        calls.phone.number.setFocus()
        self._pending_dial = ""
        self._raise()

    def _state_words(self, state: WorkstationState) -> str:
        return {WorkstationState.READY: QCoreApplication.translate("Shell", "Signed in"), WorkstationState.LOCKED: QCoreApplication.translate("Shell", "Locked"),
                WorkstationState.SIGNED_OUT: QCoreApplication.translate("Shell", "Signed out")}.get(state, QCoreApplication.translate("Shell", "Not signed in"))

    def _show_agent(self, status: AgentStatus) -> None:
        self.window.workspace.agent_state.show_status(status)
        if self.tray is not None and self.ws.state is WorkstationState.READY:
            self.tray.show_status(self.window.workspace.agent_state.combo.currentText())

    def _settings_changed(self) -> None:
        settings = self.ws.settings
        i18n.switch_language(str(settings.get("ui.language")))  # every window, at once
        self.window.apply_shortcuts(settings)
        self.window.workspace.agent_state.set_reasons(list(settings.get("agent.not_ready_reasons")))
        if self.settings_dialog is not None:
            self.settings_dialog.refresh(settings)

    # --- actions ---------------------------------------------------------------------------
    def refresh_throttle(self) -> None:
        """A throttle left from earlier attempts shows as a countdown before any attempt."""
        if self.ws.state is not WorkstationState.LOCKED:
            return
        def show(status: Any) -> None:
            self.window.sign_in.form.throttle(status.retry_after_seconds)
            self.window.lock_screen.form.throttle(status.retry_after_seconds)

        self.ops.run(self.ws.vault.status, on_done=show)

    def _unlock_form(self) -> Any:
        w = self.window
        return w.lock_screen.form if w.page() is w.lock_screen else w.sign_in.form

    def unlock(self, password: str) -> None:
        form = self._unlock_form()
        form.set_busy(True)

        def failed(err: AgentDesktopError) -> None:
            form.set_busy(False)
            form.show_error(err)

        def done(report: ReadyReport) -> None:
            form.set_busy(False)
            self._ready(report)

        self.ops.run(self.ws.unlock, password, on_done=done, on_error=failed)

    def _ready(self, report: ReadyReport) -> None:
        if report.problems:
            self.window.banner.show_alert("ready", " ".join(report.problems), "warning")
        else:
            self.window.banner.clear_alert("ready")

    def enrol_unattended(self) -> None:
        """First start: enrol with the token file IT left for this user, if there is one
        (the agent then only sets their vault password). The enrol step stays usable
        meanwhile: without a file nothing happens; with one, the state moves on by itself."""
        self.ops.run(self.ws.enroll_from_file, on_error=self.window.sign_in.enrol.show_error)

    def enrol(self, token: str) -> None:
        step = self.window.sign_in.enrol
        step.set_busy(True)

        def failed(err: AgentDesktopError) -> None:
            step.set_busy(False)
            step.show_error(err)

        self.ops.run(self.ws.enroll, token, on_done=lambda _c: step.done(), on_error=failed)

    def create_vault(self, password: str, sip_user: str, sip_password: str) -> None:
        step = self.window.sign_in.vault
        step.set_busy(True)

        def failed(err: AgentDesktopError) -> None:
            step.set_busy(False)
            step.show_error(err)

        def done(report: ReadyReport) -> None:
            step.done()
            self._ready(report)

        self.ops.run(self.ws.create_vault, password, sip_user, sip_password, on_done=done,
                     on_error=failed)

    def lock(self, reason: str = "manual") -> None:
        if self.ws.state is WorkstationState.READY:
            self.ops.run(self.ws.lock, reason)

    def os_locked(self, reason: str) -> None:
        self.ops.run(self.ws.screen_locked, reason)

    def set_agent_state(self, state: Presence, reason: str) -> None:
        try:
            future = self.ws.set_agent_state(state, reason)
        except AgentDesktopError as err:
            self._action_failed(err)
            return
        self.ops.follow(future, on_error=self._action_failed)

    def _not_ready_shortcut(self) -> None:
        reasons = list(self.ws.settings.get("agent.not_ready_reasons"))
        if reasons:
            self.set_agent_state(Presence.NOT_READY, reasons[0])

    def _action_failed(self, err: AgentDesktopError) -> None:
        self.window.banner.show_alert("action", error_text(err), "warning")
        self._show_agent(self.ws.status.status)

    def open_settings(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            return
        phone = self.ws.phone
        if phone is not None and getattr(phone, "running", False):
            self.ops.follow(phone.list_devices(), on_done=lambda devs: self._show_settings(
                [(d.name, d.inputs > 0, d.outputs > 0) for d in devs]),
                on_error=lambda _e: self._show_settings(None))
        else:
            self._show_settings(None)

    def _show_settings(self, devices: list[tuple[str, bool, bool]] | None) -> None:
        dialog = SettingsDialog(self.ws.settings, devices, self.window)
        dialog.change_requested.connect(self.change_setting)
        dialog.test_tone_toggled.connect(self._test_tone)
        dialog.finished.connect(self._settings_closed)
        self.settings_dialog = dialog
        if devices is not None:
            self._meters.start()
        dialog.show()

    def _settings_closed(self) -> None:
        self._meters.stop()
        if self.settings_dialog is not None:
            if self.settings_dialog.tone_button.isChecked():
                self._test_tone(False)
            self.settings_dialog.deleteLater()
        self.settings_dialog = None

    def _test_tone(self, on: bool) -> None:
        if self.ws.phone is not None:
            self.ops.follow(self.ws.phone.test_tone(on), on_error=self._settings_error)

    def _poll_levels(self) -> None:
        phone, dialog = self.ws.phone, self.settings_dialog
        if phone is None or dialog is None or self._levels_pending:
            return
        self._levels_pending = True

        def show(levels: tuple[int, int]) -> None:
            self._levels_pending = False
            if self.settings_dialog is not None:
                self.settings_dialog.show_levels(levels)

        def failed(_err: AgentDesktopError) -> None:
            self._levels_pending = False

        # the ops runner's busy flag is for work the agent waits on, not for a meter
        self.ws.ops.follow(phone.audio_levels(), deliver=self.ops.deliver, on_done=show,
                           on_error=failed)

    def _settings_error(self, err: AgentDesktopError) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.show_error(err)

    def change_setting(self, name: str, value: Any) -> None:
        self.ops.run(self.ws.set_setting, name, value, on_error=self._settings_error)

    # --- closing ---------------------------------------------------------------------------
    def _raise(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def _close_requested(self, event: QCloseEvent) -> None:
        if self._quitting:
            event.accept()
            return
        event.ignore()
        if self.tray is not None:
            self.window.hide()  # the tray keeps the phone reachable; Quit is in its menu
            return
        self.request_quit()

    def request_quit(self) -> None:
        call_up = self.ws.status.status.state is Presence.ON_CALL
        self.ops.run(self.ws.unsynced_events, on_done=lambda n: self._confirm_quit(call_up, n),
                     on_error=lambda _e: self._confirm_quit(call_up, None))

    def _confirm_quit(self, call_up: bool, unsynced: int | None) -> None:
        worries = []
        if call_up:
            worries.append(QCoreApplication.translate("Shell", "A call is in progress and will be ended."))
        if unsynced:
            worries.append(QCoreApplication.translate("Shell", "%1 audit event(s) have not reached the audit server yet; they are "
                              "kept safely and sent at the next sign-in.").replace("%1", str(unsynced)))
        if worries and not self.ask(QCoreApplication.translate("Shell", "Quit Agent Desktop?"), " ".join(worries)):
            return
        self.quit()

    def _ask_box(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window)
        box.button(QMessageBox.StandardButton.Yes).setText(QCoreApplication.translate("Shell", "Quit"))
        box.button(QMessageBox.StandardButton.No).setText(QCoreApplication.translate("Shell", "Keep working"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def quit(self) -> None:
        """Stop the workstation off the GUI thread (it joins its own pool), then close."""
        self._quitting = True
        clear_phi()
        self.detach()
        deliver = self.ops.deliver

        def stop() -> None:
            try:
                self.ws.shutdown()
            finally:
                deliver.submit(self._stopped)

        threading.Thread(target=stop, name="ws-shutdown").start()

    def _stopped(self) -> None:
        self.window.close()
        self.quit_finished.emit()
