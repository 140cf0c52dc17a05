"""The running workstation: the one place where the capabilities are built and wired.

The desktop, the team-lead view, the demo, CLI verbs that need several capabilities and
the end-to-end tests construct a :class:`Workstation`; nothing else wires capabilities
together. It owns, in this order, the bus, vault, audit recorder, sync worker, idle
tracker, phone, directory, verification service, call desk and agent status, holds strong
references to its own listeners, and stops them in reverse order.

Lifecycle (each change is a :class:`StateChanged` on the bus)::

    not_enrolled --enroll--> no_vault --create_vault--> ready
    locked --unlock--> ready --lock (idle, screen lock, suspend, manual)--> locked
    any --revoked / wipe--> signed_out          any --shutdown--> stopped

Methods marked ``@blocking`` may wait on the keyring, scrypt, the disk, the network or the
SIP thread; the GUI runs them through :attr:`ops` (see :mod:`.ops`). Everything else
returns at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import Any

import requests

import agent_desktop.capabilities  # noqa: F401  (every capability's vault tables, registered)
from agent_desktop.audit.credentials import CredentialStore, DeviceCredentials, enroll
from agent_desktop.audit.notices import AuditSyncStatus, DeviceRevoked
from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.audit.sync import SyncWorker
from agent_desktop.bus import EventBus, Subscription
from agent_desktop.errors import AgentDesktopError
from agent_desktop.paths import AppPaths
from agent_desktop.policy import Settings
from agent_desktop.presence.roster import Escalation, Roster
from agent_desktop.presence.states import Presence
from agent_desktop.vault.crypto import DEFAULT_SCRYPT, ScryptParams
from agent_desktop.vault.events import VaultLocked, VaultUnlocked
from agent_desktop.vault.idle import IdleTracker
from agent_desktop.vault.keyring_backend import secure_backend
from agent_desktop.vault.phi_cache import PhiCache
from agent_desktop.vault.vault import Vault

from .calls import CallDesk
from .events import DropPhi, ReadyReport, SettingsChanged, StateChanged, WorkstationState
from .monitoring import AgentMonitoring, SupervisorDesk
from .ops import Deliver, GuiThreadGuard, OpRunner, blocking
from .presence_link import PresenceLink
from .recent import RecentCalls
from .sip_account import load_sip_credentials, save_sip_credentials
from .status import StatusTracker

log = logging.getLogger(__name__)
READY_TIMEOUT = 20.0
NOTES_NAMESPACE = "call.notes"
DEVICE_SETTINGS = {"sip.capture_device": "capture", "sip.playback_device": "playback",
                   "sip.ring_device": "ring"}


class WorkstationError(AgentDesktopError):
    """A workstation action that cannot run in the current state."""


class Workstation:
    def __init__(self, paths: AppPaths, settings: Settings, *, profile: str = "default",
                 bus: EventBus | None = None, keyring_backend: Any = None,
                 http: Callable[[], requests.Session] | None = None,
                 kdf: ScryptParams = DEFAULT_SCRYPT, clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic,
                 phone_options: dict[str, Any] | None = None,
                 idle_poll_seconds: float = 5.0) -> None:
        self.paths = paths
        self.settings = settings
        self.profile = profile
        self.clock = clock
        self.guard = GuiThreadGuard()
        self.ops = OpRunner()
        self.bus = bus or EventBus()
        self._http = http or _session
        self._phone_options = dict(phone_options or {})
        self._lifecycle = threading.RLock()
        self._subs: list[Subscription] = []
        self._state = WorkstationState.LOCKED
        self._keyring = keyring_backend
        self.vault = Vault(paths, profile, settings, self.bus, clock=clock,
                           keyring_backend=keyring_backend, kdf=kdf)
        self.credentials: DeviceCredentials | None = None
        self.recorder: AuditRecorder | None = None
        self.sync: SyncWorker | None = None
        self.idle = IdleTracker(self.vault, settings, clock=monotonic, poll_seconds=idle_poll_seconds)
        self.phone: Any = None  # agent_desktop.phone.engine.Phone, imported at first unlock
        self.directory: Any = None
        self.verification: Any = None
        self.desk: CallDesk | None = None
        self.recordings: Any = None  # agent_desktop.recordings.service.RecordingService
        self.status = StatusTracker(self.bus, clock=clock)
        self.presence: PresenceLink | None = None  # the roster: status out, team roster in
        self._locked_phone_state: tuple[Presence, str] | None = None
        self.monitoring = AgentMonitoring(self.bus, lambda: bool(self.settings.get("monitoring.notify_agent")))
        self.supervision = SupervisorDesk(self.bus, lambda: self.phone, self._monitor_grant,
                                          self._audit_supervision)
        self._own(VaultLocked, self._on_vault_locked)
        self._own(VaultUnlocked, self._on_vault_unlocked)
        self._own(DeviceRevoked, self._on_revoked)
        self._attach_recorder()
        self._set_state(self._resting_state())

    # --- listeners and state -----------------------------------------------------------------
    def _own(self, event_type: type, listener: Callable[[Any], None]) -> None:
        # a closure is held strongly by the bus until unsubscribed at shutdown
        self._subs.append(self.bus.subscribe(event_type, lambda e: listener(e)))

    def subscribe(self, event_types: tuple[type, ...], handler: Callable[[Any], None],
                  deliver: Deliver) -> Callable[[], None]:
        """The one path for events to a consumer: ``handler(event)`` runs through
        ``deliver`` (the GUI's executor posts to the Qt thread). Returns an unsubscribe."""
        subs = [self.bus.subscribe(t, lambda e: deliver.submit(handler, e)) for t in event_types]

        def unsubscribe() -> None:
            for s in subs:
                self.bus.unsubscribe(s)

        return unsubscribe

    @property
    def state(self) -> WorkstationState:
        return self._state

    def _set_state(self, state: WorkstationState, reason: str = "", message: str = "") -> None:
        self._state = state
        self.bus.publish(StateChanged(state, reason, message))

    def _store(self) -> CredentialStore:
        backend = secure_backend(str(self.settings.get("vault.keyring_backend")), backend=self._keyring)
        return CredentialStore(backend, self.profile)

    def _attach_recorder(self) -> None:
        """The recorder must exist before unlock: its hook joins the locked-state events."""
        if self.recorder is not None:
            return
        try:
            creds = self._store().load()
        except AgentDesktopError as err:  # no secure keyring: surfaced at sign-in
            log.warning("device credentials unreadable: %s", err.message)
            return
        if creds is None:
            return
        self.credentials = creds
        self.recorder = AuditRecorder(self.vault, self.bus, device_id=creds.device_id,
                                      user=creds.agent_id or self.profile, role=creds.role or "agent",
                                      clock=self.clock)
        self.sync = SyncWorker(self.vault, self.bus, self.settings, session=self._http(),
                               store=self._store(), clock=self.clock)

    def _resting_state(self) -> WorkstationState:
        if self.credentials is None:
            return WorkstationState.NOT_ENROLLED
        if not self.vault.exists():
            return WorkstationState.NO_VAULT
        return WorkstationState.LOCKED

    @property
    def role(self) -> str:
        return (self.credentials.role if self.credentials else "") or "agent"

    # --- first run -----------------------------------------------------------------------------
    @blocking
    def enroll(self, token: str) -> DeviceCredentials:
        """Enrol this device with IT's one-time token (server URL and CA from policy)."""
        url = str(self.settings.get("audit.server_url") or "")
        if not url:
            raise WorkstationError("No audit server is configured (audit.server_url).",
                                   "Ask IT to set audit.server_url in the policy.")
        if not token.strip():
            raise WorkstationError("The enrolment token is empty.",
                                   "Paste the one-time token IT gave you.")
        with self._lifecycle:
            verify: str | bool = str(self.settings.get("audit.ca_bundle") or "") or True
            enroll(self._http(), url, token.strip(), self._store(), verify=verify)
            self._attach_recorder()
            self._set_state(self._resting_state())
            assert self.credentials is not None
            return self.credentials

    @blocking
    def enroll_from_file(self) -> DeviceCredentials | None:
        """Unattended first start: enrol with the per-user token file IT left (deleted once
        used); None when there is none. The agent still sets their own vault password."""
        from agent_desktop.audit.enrol_token import enrol_unattended

        with self._lifecycle:
            if self.credentials is not None:
                return None
            verify: str | bool = str(self.settings.get("audit.ca_bundle") or "") or True
            creds = enrol_unattended(self.paths, str(self.settings.get("audit.server_url") or ""),
                                     self._store(), self._http(), verify=verify,
                                     receipt_key=str(self.settings.get("audit.receipt_public_key") or ""))
            if creds is None:
                return None
            self._attach_recorder()
            self._set_state(self._resting_state())
            return creds

    @blocking
    def create_vault(self, password: str, sip_user: str, sip_password: str) -> ReadyReport:
        """First run after enrolment: the vault (policy's password rules) and the SIP account."""
        from agent_desktop.phone.credentials import SipCredentials

        sip = SipCredentials(sip_user.strip(), sip_password)
        if not sip.user or not sip.password:
            raise WorkstationError("The SIP user name and password are both needed.",
                                   "Enter the phone account your administrator gave you.")
        with self._lifecycle:
            if self.credentials is None:
                raise WorkstationError("This workstation is not enrolled yet.",
                                       "Enrol with the token from IT first.")
            self.vault.create(password)
            save_sip_credentials(self.vault, sip)
            return self._bring_up()

    @blocking
    def update_sip_account(self, sip_user: str, sip_password: str) -> ReadyReport:
        from agent_desktop.phone.credentials import SipCredentials

        save_sip_credentials(self.vault, SipCredentials(sip_user.strip(), sip_password))
        return self._bring_up()

    # --- sign-in and locks ----------------------------------------------------------------------
    @blocking
    def unlock(self, password: str) -> ReadyReport:
        """Unlock; then the phone registers, sync starts and the directory is reached."""
        with self._lifecycle:
            if self.credentials is None:
                raise WorkstationError("This workstation is not enrolled.",
                                       "Enrol with the token from IT first.")
            self._set_state(WorkstationState.UNLOCKING)
            try:
                self.vault.unlock(password)
            except BaseException:
                self._set_state(self._resting_state())
                raise
            return self._bring_up()

    def lock(self, reason: str = "manual") -> None:
        """Lock now (manual, screen lock, suspend). Quick: closes the vault connection."""
        self.vault.lock(reason)

    def screen_locked(self, reason: str = "screen_lock") -> bool:
        """The OS locked the screen or is suspending; locks when policy says so."""
        return self.idle.screen_locked(reason)

    def activity(self) -> None:
        """Input happened (the GUI's event filter calls this); never blocks."""
        self.idle.activity()

    def _on_vault_locked(self, event: VaultLocked) -> None:
        if self.desk is not None:
            self.desk.drop_phi()
        self.bus.publish(DropPhi("lock"))
        if self._state in (WorkstationState.READY, WorkstationState.UNLOCKING):
            self._set_state(WorkstationState.LOCKED, event.reason, _lock_message(event.reason))
        if (self.phone is not None and event.reason not in ("shutdown", "wipe")
                and self.settings.get("vault.locked_calls") == "not_ready"):
            status = self.status.status
            if status.state in (Presence.AVAILABLE, Presence.AFTER_CALL_WORK, Presence.ON_CALL):
                self._locked_phone_state = (Presence.AVAILABLE, "")
                self._phone_state(Presence.NOT_READY, "locked")

    def _on_vault_unlocked(self, event: VaultUnlocked) -> None:
        if self.sync is not None:
            self.sync.sync_now()

    def _bring_up(self) -> ReadyReport:
        """After unlock: phone, sync, directory, verification, call desk, in parallel where
        they wait on the network; READY when all answered (problems are reported, not fatal)."""
        problems: list[str] = []
        assert self.credentials is not None and self.recorder is not None
        # the two network waits first, in parallel; everything else overlaps them
        self._start_directory()
        directory_check = self.ops.run(self._directory_online, deliver=_Discard())
        registration: Future[Any] | None = None
        sip = None
        try:
            sip = load_sip_credentials(self.vault)
        except AgentDesktopError as err:
            problems.append(str(err))
        if sip is not None:
            try:
                self._start_phone()
                if self.phone.registration.state != "registered":  # a lock keeps it registered
                    registration = self.phone.register(sip)
                self.status.set_aor(f"sip:{sip.user}@{self.phone.config.sip_domain}")
            except AgentDesktopError as err:
                problems.append(str(err))
        if self.sync is not None:
            self.sync.start()
        self._start_presence(problems)
        self._start_desk(problems)
        self._start_recordings()
        assert self.desk is not None
        self.desk.unlocked_again()
        self.idle.start()
        registered, reason = False, "no SIP account"
        if registration is None and self.phone is not None:
            current = self.phone.registration
            registered, reason = current.state == "registered", current.reason
        waiting = [f for f in (registration, directory_check) if f is not None]
        wait(waiting, timeout=READY_TIMEOUT)
        if registration is not None:
            try:
                outcome = registration.result(timeout=0)
                registered, reason = outcome.state == "registered", outcome.reason
            except Exception as err:  # noqa: BLE001 - reported as a plain problem below
                reason = str(err) if isinstance(err, AgentDesktopError) else type(err).__name__
            if not registered:
                problems.append(f"The phone did not register: {reason}.")
        directory_online = directory_check.done() and not directory_check.exception() \
            and bool(directory_check.result())
        if self._locked_phone_state is not None and self.phone is not None:
            state, why = self._locked_phone_state
            self._locked_phone_state = None
            self._phone_state(state, why)
        sync_status = self.sync.status() if self.sync else None
        report = ReadyReport(registered, reason, bool(sync_status and sync_status.online),
                             directory_online, tuple(problems))
        self._set_state(WorkstationState.READY)
        return report

    def _start_phone(self) -> None:
        if self.phone is not None and self.phone.running:
            return
        from agent_desktop.phone.config import PhoneConfig
        from agent_desktop.phone.engine import Phone

        options = {"monitor_gate": self._monitor_gate(), **self._phone_options}
        self.phone = Phone(PhoneConfig.from_settings(self.settings), self.bus, **options)
        self.phone.start()
        # a new phone rings (available) without saying so: announce it, so the status and the
        # team lead's roster do not keep showing "signed out" while calls ring
        self._phone_state(Presence.AVAILABLE, "")

    def _monitor_gate(self) -> Any:
        """Team leads' grants are checked with the server's key pinned at enrolment."""
        from agent_desktop.monitoring.gate import MonitorGate

        creds = self.credentials
        if creds is None or not creds.receipt_public_key or not creds.agent_id:
            return None
        return MonitorGate(creds.receipt_public_key, creds.agent_id,
                           max_session_minutes=float(self.settings.get("monitoring.max_session_minutes")))

    def _start_presence(self, problems: list[str]) -> None:
        if self.presence is not None or self.credentials is None:
            return
        try:
            link = PresenceLink(self.credentials, self.settings, self.bus, self._http(),
                                clear_escalation=self.status.clear_escalation)
        except AgentDesktopError as err:
            problems.append(f"Your team lead cannot see your status: {err}")
            return
        self.status.add_sink(link.update)
        link.start(self.status.status)
        self.presence = link

    def _start_directory(self) -> None:
        if self.directory is not None:
            return
        from agent_desktop.directory.service import build_directory

        assert self.credentials is not None
        self.directory = build_directory(self.settings, self.credentials.device_token,
                                         PhiCache(self.vault, self.settings), self.vault, self.bus)

    def _directory_online(self) -> bool:
        client = getattr(self.directory, "client", None)
        if client is None:
            return False
        try:
            resp = client.session.get(client.base_url + "/metadata", timeout=client.timeout)
        except requests.RequestException:
            return False
        return resp.status_code == 200

    def _start_desk(self, problems: list[str]) -> None:
        if self.verification is None:
            from agent_desktop.verify.session import VerificationService

            try:
                self.verification = VerificationService(self.settings, self._require_recorder(), self.vault, self.bus,
                                                        clock=self.clock)
            except AgentDesktopError as err:
                problems.append(f"Identity verification is unavailable: {err}")
        if self.desk is None:
            self.desk = CallDesk(self.bus, self.recorder, self.directory, self.verification,
                                 role=self.role, record_locked=self._record_locked,
                                 unlocked=lambda: self.vault.unlocked, clock=self.clock)
            self.desk.recent = RecentCalls(PhiCache(self.vault, self.settings, clock=self.clock),
                                           self.recorder, clock=self.clock)
        else:
            self.desk.verification = self.verification

    def _start_recordings(self) -> None:
        if self.recordings is not None:
            return
        from agent_desktop.recordings.service import RecordingService
        from agent_desktop.recordings.store import RecordingStore

        store = RecordingStore(self.vault, self._require_recorder(), self.settings, self.bus,
                               clock=self.clock)
        store.start()  # this unlock's purge (the store did not exist when it was announced)
        self.recordings = RecordingService(store, lambda: self.phone, lambda: self.settings, self.bus)

    def _record_locked(self, action: str, outcome: str, detail: dict[str, Any]) -> None:
        try:
            self.vault.record_locked_event(action, outcome, detail)
        except AgentDesktopError as err:
            log.error("could not keep %s for the audit trail: %s", action, err.message)

    # --- agent state, after-call work, escalation ------------------------------------------
    def set_agent_state(self, state: Presence, reason: str = "") -> Future[None]:
        """Available, After-call work (restarts its timer) or Not ready with a policy reason."""
        if state is Presence.NOT_READY:
            reasons = list(self.settings.get("agent.not_ready_reasons"))
            if reason not in reasons and reason != "locked":
                raise WorkstationError(f"{reason!r} is not a not-ready reason of your organisation.",
                                       f"Choose one of: {', '.join(reasons)}.")
        elif state not in (Presence.AVAILABLE, Presence.AFTER_CALL_WORK):
            raise WorkstationError(f"{state.value} cannot be chosen; it follows from calls.",
                                   "Choose Available, After-call work or Not ready.")
        current = self.status.status
        if state is Presence.AFTER_CALL_WORK and current.state is Presence.AFTER_CALL_WORK:
            cap = int(self.settings.get("agent.after_call_work_max_seconds"))
            more = int(self.settings.get("sip.after_call_work_seconds"))
            if self.clock() - current.since + more > cap:
                raise WorkstationError(
                    f"After-call work cannot go beyond {cap // 60} min {cap % 60} s after a call "
                    "(your organisation's limit).", "Choose Available or Not ready.")
        self._locked_phone_state = None
        return self._phone_state(state, reason)

    def _phone_state(self, state: Presence, reason: str) -> Future[None]:
        from agent_desktop.phone.agent_state import AgentState

        if self.phone is None:
            fut: Future[None] = Future()
            fut.set_exception(WorkstationError("The phone is not running.", "Sign in first."))
            return fut
        future: Future[None] = self.phone.set_agent_state(AgentState(state.value), reason)
        return future

    @blocking
    def wrap_up(self, call_id: str, disposition: str, notes: str = "") -> None:
        """After-call work: the disposition code (audited) and optional notes (vault, PHI TTL)."""
        codes = list(self.settings.get("agent.dispositions"))
        if disposition not in codes:
            raise WorkstationError(f"{disposition!r} is not a disposition code of your organisation.",
                                   f"Choose one of: {', '.join(codes)}.")
        recorder = self._require_recorder()
        recorder.record("call.disposition", call_id=call_id, detail={"code": disposition,
                                                                     "notes": bool(notes.strip())})
        if self.desk is not None and self.desk.recent is not None:
            self.desk.recent.set_disposition(call_id, disposition)
        if notes.strip():
            PhiCache(self.vault, self.settings).put(NOTES_NAMESPACE, call_id,
                                                    {"notes": notes}).result(READY_TIMEOUT)

    @blocking
    def recent_calls(self) -> list[Any]:
        """Today's calls (number masked), newest first; purged with the PHI TTL."""
        return self.desk.recent.list() if self.desk is not None and self.desk.recent is not None else []

    @blocking
    def recent_number(self, call_id: str, purpose: str = "view") -> str:
        """A recent call's number, to show ("view") or call back ("redial"); audited."""
        if self.desk is None or self.desk.recent is None:
            raise WorkstationError("Recent calls are available after sign-in.", "Sign in first.")
        return self.desk.recent.number(call_id, "redial" if purpose == "redial" else "view")

    @blocking
    def call_notes(self, call_id: str) -> str:
        entry = PhiCache(self.vault, self.settings).get(NOTES_NAMESPACE, call_id).result(READY_TIMEOUT)
        return str(entry.value.get("notes", "")) if entry is not None else ""

    @blocking
    def escalate(self, kind: str, call_id: str | None = None) -> None:
        """Ask a team lead for help; recorded, and shown on the roster with the kind only."""
        from agent_desktop.presence.states import ESCALATION_KINDS

        if kind not in ESCALATION_KINDS:
            raise WorkstationError(f"{kind!r} is not a kind of escalation.",
                                   f"Use one of: {', '.join(ESCALATION_KINDS)}.")
        self._require_recorder().record("agent.escalate", call_id=call_id, detail={"kind": kind})
        self.status.escalate(kind)

    # --- the team lead's roster (PHI-free; the team-lead view runs these through ops) --------
    @blocking
    def team_roster(self) -> Roster:
        """This team lead's team: states, reasons, since when, open escalations."""
        return self._require_presence().roster()

    @blocking
    def acknowledge_escalation(self, escalation_id: str) -> Escalation:
        """Take an agent's request for help; the server records who and when."""
        return self._require_presence().acknowledge(escalation_id)

    # --- supervisor monitoring (team lead; blocking: the GUI runs these through the op runner)
    def monitor(self, agent_id: str, aor: str, mode: str = "listen") -> str:
        """Start listening to (or coaching, barging into) ``agent_id``'s call; a call id."""
        return self.supervision.start(agent_id, aor, mode)

    def monitor_mode(self, mode: str) -> None:
        self.supervision.change(mode)

    def stop_monitoring(self) -> None:
        self.supervision.stop()

    def _monitor_grant(self, agent: str, mode: str) -> dict[str, Any]:
        return self._require_presence().client.monitor_grant(agent, mode)

    def _audit_supervision(self, action: str, call_id: str | None, detail: dict[str, Any],
                           outcome: str) -> None:
        self._require_recorder().record(action, call_id=call_id, patient=None, outcome=outcome,
                                        detail=detail)

    def _require_presence(self) -> PresenceLink:
        if self.presence is None:
            raise WorkstationError("The roster is not connected.", "Sign in first.", code="presence.not_connected")
        return self.presence

    def _require_recorder(self) -> AuditRecorder:
        if self.recorder is None:
            raise WorkstationError("This workstation is not enrolled.", "Enrol with the token from IT first.")
        return self.recorder

    # --- call recordings (docs/recording.md) -------------------------------------------------
    @blocking
    def start_recording(self, call_id: str) -> None:
        """Start recording a call (policy ``recording.mode`` = on_demand; notice first)."""
        self._require_recordings().start(call_id)

    @blocking
    def stop_recording(self, call_id: str) -> None:
        self._require_recordings().stop(call_id)

    @blocking
    def recordings_list(self) -> list[Any]:
        """Recordings on this workstation, newest first (RecordingInfo; no audio read)."""
        return self._require_recordings().store.list()

    @blocking
    def recording_audio(self, recording_id: str) -> bytes:
        """A recording decrypted in memory as 16 kHz mono PCM, for the app's own player;
        the access is recorded (``recording.play``) before anything is decrypted."""
        return bytes(self._require_recordings().store.decrypt(recording_id, via="pcm").pcm)

    @blocking
    def play_recording(self, recording_id: str) -> str:
        """Play a recording on the agent's playback device (recorded as ``recording.play``);
        returns the playback id a PlaybackEnded event carries."""
        if self.phone is None:
            raise WorkstationError("The phone is not running.", "Sign in first.")
        pcm = self._require_recordings().store.decrypt(recording_id, via="device").pcm
        return str(self.phone.play_pcm(pcm).result(READY_TIMEOUT))

    def _require_recordings(self) -> Any:
        if self.recordings is None:
            raise WorkstationError("Recordings are available after sign-in.", "Sign in first.")
        return self.recordings

    # --- settings --------------------------------------------------------------------------------
    @blocking
    def set_setting(self, name: str, value: Any) -> Settings:
        """A user's change, applied live; a key locked by policy raises with the reason."""
        self.settings = self.settings.set_user(name, value)
        self.idle.settings = self.settings
        if self.recordings is not None:
            self.recordings.store.settings = self.settings
        if name in DEVICE_SETTINGS and self.phone is not None:
            self.phone.set_devices(**{DEVICE_SETTINGS[name]: str(value)}).result(READY_TIMEOUT)
        self.bus.publish(SettingsChanged((name,)))
        return self.settings

    # --- audit ------------------------------------------------------------------------------------
    def sync_status(self) -> AuditSyncStatus | None:
        return self.sync.status() if self.sync else None

    def sync_now(self) -> None:
        if self.sync is not None:
            self.sync.sync_now()

    @blocking
    def unsynced_events(self) -> int | None:
        """Events not yet on the server (None when unknown: locked and never counted)."""
        if self.vault.unlocked:
            from agent_desktop.audit import outbox

            return int(self.vault.submit(outbox.backlog).result(READY_TIMEOUT))
        status = self.sync_status()
        return status.backlog if status else None

    # --- revocation, wipe, shutdown ------------------------------------------------------------
    def _on_revoked(self, event: DeviceRevoked) -> None:
        # published on the sync thread, which cannot stop itself: sign out from the pool
        self.ops.run(self.sign_out, "revoked", deliver=_Discard())

    @blocking
    def wipe(self) -> None:
        """Crypto-shred this profile's vault (IT's path for a forgotten password)."""
        from agent_desktop.recordings.store import recordings_folder, shred_folder

        with self._lifecycle:
            self.vault.wipe()  # the recording key goes with the vault: the files are noise now
            shred_folder(recordings_folder(self.vault.directory))
            self.sign_out("wipe")

    @blocking
    def sign_out(self, reason: str = "revoked") -> None:
        """Phone unregistered and stopped, directory and sync stopped, sessions ended."""
        with self._lifecycle:
            self._stop_services()
            if reason in ("revoked", "wipe"):
                try:
                    self._store().delete()
                except AgentDesktopError as err:
                    log.error("could not remove the device credentials: %s", err.message)
                self.credentials, self.recorder, self.sync = None, None, None
            self._set_state(WorkstationState.SIGNED_OUT, reason, _signed_out_message(reason))

    def _stop_services(self) -> None:
        self.bus.publish(DropPhi("sign_out"))
        if self.desk is not None:
            self.desk.close()
            self.desk = None
        self.verification = None
        self.directory = None
        self.idle.stop()
        if self.presence is not None:
            self.status.remove_sink(self.presence.update)
            self.presence.stop()  # tells the roster "offline" at once (best effort)
            self.presence = None
        if self.phone is not None:
            self.phone.stop()  # ends every recording; the service indexes them below
            self.phone = None
        if self.recordings is not None:
            self.recordings.drain()
            self.recordings.close()
            self.recordings.store.close()
            self.recordings = None
        if self.sync is not None and threading.current_thread().name != "audit-sync":
            self.sync.stop()
        self.vault.lock("sign_out") if self.vault.unlocked else None

    @blocking
    def shutdown(self) -> None:
        """Stop everything in reverse order; no thread or process is left behind."""
        with self._lifecycle:
            if self._state is WorkstationState.STOPPED:
                return
            self._stop_services()
            self.supervision.close()
            self.monitoring.close()
            self.status.close()
            self.vault.close()
            self.ops.shutdown()
            for sub in self._subs:
                self.bus.unsubscribe(sub)
            self._subs.clear()
            self._set_state(WorkstationState.STOPPED)

    def wait_calls_handled(self, timeout: float = 10.0) -> None:
        if self.desk is not None:
            self.desk.drain(timeout)

    @staticmethod
    def profiles(paths: AppPaths) -> list[str]:
        """Profiles with a vault on this machine (the sign-in screen's list)."""
        root = paths.data / "vaults"
        return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


class _Discard:
    def submit(self, fn: Callable[..., Any], /, *args: Any) -> None:
        return None


def _session() -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # REQUESTS_CA_BUNDLE or a proxy variable must not replace the policy
    return s


def _lock_message(reason: str) -> str:
    return {"idle": "Locked after a period of inactivity.",
            "screen_lock": "Locked because the screen locked.",
            "suspend": "Locked because the computer went to sleep.",
            "manual": "Locked."}.get(reason, "Locked.")


def _signed_out_message(reason: str) -> str:
    return {"revoked": "IT revoked this workstation's access; its local data was wiped. "
                       "Enrol again with a new token from IT.",
            "wipe": "This profile's vault was wiped. Enrol again with a new token from IT."
            }.get(reason, "Signed out.")


__all__ = ["Workstation", "WorkstationError"]
