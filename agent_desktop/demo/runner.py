"""The demo: everything ``agent-desktop demo`` runs, in one temporary folder, on loopback.

:class:`Demo` starts a throwaway CA, Kamailio over TLS, the reference audit server with its
FHIR store of synthetic patients (SQLite), a :class:`~agent_desktop.app.Workstation`
enrolled and signed in to a demo profile, and a simulated caller that rings the agent on a
schedule (from :meth:`Demo.begin_calls`) and on :meth:`Demo.call_now`. :meth:`Demo.stop` removes all of it, keyring
entries included. Qt-free: the GUI (or the headless agent) drives the same object.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from agent_desktop.app import ImmediateExecutor, Workstation
from agent_desktop.demo import keyring_sweep
from agent_desktop.demo.caller import SimulatedCaller
from agent_desktop.demo.certs import make_pki
from agent_desktop.demo.kamailio import Kamailio, kamailio_binary
from agent_desktop.demo.server import DemoServer
from agent_desktop.demo.team_lead import TeamLeadProcess
from agent_desktop.directory.fhir import record_from_fhir
from agent_desktop.directory.synthetic import write_data_file
from agent_desktop.paths import AppPaths, ensure_private_dir
from agent_desktop.phone import events as pev
from agent_desktop.policy import load_settings
from agent_desktop.resources import resource
from agent_desktop.verify.record import PatientRecord

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-harbor-lantern-42"  # shown in the banner: the demo's vault password
AGENT_ID = "demo-agent"
LEAD_ID = "demo-lead"
TEAM = "blue"
SEED = 7
PATIENTS = 40


@dataclass(frozen=True)
class DemoOptions:
    every_seconds: float = 120.0       # scheduled calls (0: only on demand)
    first_call_after: float = 2.0      # the first call, this long after begin_calls()
    hang_up_after_seconds: float = 180.0
    null_audio: bool = True            # no sound card needed (the headless demo, CI)
    idle_lock_minutes: int = 5
    parent: Path | None = None         # where the temporary folder is made (default: the system's)


@dataclass(frozen=True)
class DemoPatient:
    """The synthetic patient the caller plays (its SIP user is the patient's number)."""

    record: PatientRecord
    number: str


class Demo:
    def __init__(self, options: DemoOptions | None = None, say: Callable[[str], None] = print) -> None:
        self.options = options or DemoOptions()
        self.say = say
        self.profile = f"demo-{secrets.token_hex(4)}"
        self.root: Path | None = None
        self.kamailio: Kamailio | None = None
        self.server: DemoServer | None = None
        self.workstation: Workstation | None = None
        self.caller: SimulatedCaller | None = None
        self.patient: DemoPatient | None = None
        self.auditor_token = ""
        self.started_at = 0.0
        self.services_at = 0.0  # Kamailio and the audit server answer
        self.ready_at = 0.0     # the workstation is signed in
        self.ring_times: list[float] = []
        self.first_ring = threading.Event()
        self._ring_listeners: list[Callable[[pev.CallInfo], None]] = []
        self._unsubscribe: Callable[[], None] | None = None
        self._stopped = threading.Event()
        self.team_lead: TeamLeadProcess | None = None
        self._lead_sip_password = ""

    # --- start -------------------------------------------------------------------------------------
    def start(self) -> Demo:
        """Start everything; on any failure what was started is stopped and removed."""
        kamailio_binary()  # "install it" before anything is created
        self.started_at = time.monotonic()
        self.root = Path(tempfile.mkdtemp(prefix="agent-desktop-demo-", dir=self.options.parent))
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        assert self.root is not None
        self.say(f"starting in {self.root} as profile {self.profile} (both removed on exit; Ctrl-C stops)")
        pki = make_pki(self.root / "pki", name="Agent Desktop Demo",
                       organization="Agent Desktop Demo (throwaway)")
        data = write_data_file(self.root / "server" / "directory.json", seed=SEED, patients=PATIENTS)
        self.patient = pick_patient(json.loads(data.read_text("utf-8")))
        sip_password = {who: secrets.token_urlsafe(12) for who in ("agent", "caller", "lead")}
        self._lead_sip_password = sip_password["lead"]
        self.kamailio = Kamailio(self.root / "kamailio", pki,
                                 users={"agent": sip_password["agent"], "lead": sip_password["lead"],
                                        self.patient.number: sip_password["caller"]})
        self.server = DemoServer(self.root / "server", pki, data)
        with ThreadPoolExecutor(2, thread_name_prefix="demo-start") as pool:
            sip_up, server_up = pool.submit(self.kamailio.start), pool.submit(self.server.start)
            sip_up.result()
            server_up.result()
        self.services_at = time.monotonic()
        self.say(f"Kamailio (SIP over TLS) on {self.kamailio.registrar}; "
                 f"audit server on {self.server.base_url} ({self._elapsed()})")
        self.auditor_token = self.server.token("auditor")
        self.workstation = self._sign_in(pki.ca_file, sip_password["agent"])
        self.ready_at = time.monotonic()
        self.say(f"agent workstation enrolled and signed in as {AGENT_ID} (profile {self.profile}, "
                 f"password {DEMO_PASSWORD!r}) ({self._elapsed()})")
        self._unsubscribe = self.workstation.subscribe((pev.IncomingCall,), self._on_incoming, ImmediateExecutor())
        o = self.options
        self.caller = SimulatedCaller(self.kamailio, self.patient.number, sip_password["caller"],
                                      Path(str(resource("sounds/demo-caller.wav"))), self.root / "kamailio",
                                      every_seconds=o.every_seconds, first_after_seconds=o.first_call_after,
                                      hang_up_after_seconds=o.hang_up_after_seconds,
                                      on_change=lambda what: self.say(f"caller: {what} ({self._elapsed()})"))
        self.caller.start()

    def _sign_in(self, ca_file: Path, sip_password: str) -> Workstation:
        assert self.root is not None and self.kamailio is not None and self.server is not None
        home = ensure_private_dir(self.root / "home")
        paths = AppPaths(data=home / "data", config=home / "config", log=home / "logs")
        paths.ensure()
        policy = self.root / "policy.toml"
        policy.write_text(tomli_w.dumps(self.policy(ca_file)))
        settings = load_settings(paths, policy_file=policy)
        ws = Workstation(paths, settings, profile=self.profile)
        try:
            ws.enroll(self.server.token("enroll", agent=AGENT_ID, team=TEAM, user_role="agent"))
            report = ws.create_vault(DEMO_PASSWORD, "agent", sip_password)
        except BaseException:
            ws.shutdown()
            raise
        for problem in report.problems:
            self.say(f"workstation: {problem}")
        return ws

    def policy(self, ca_file: Path) -> dict[str, Any]:
        """The demo's system policy: everything on loopback, trusting only the demo CA."""
        assert self.kamailio is not None and self.server is not None
        ca = str(ca_file)
        return {
            "policy": {"locked": ["sip.registrar", "audit.server_url", "directory.fhir_base_url"]},
            "sip": {"registrar": self.kamailio.registrar, "ca_bundle": ca, "srtp_required": True,
                    "null_audio": self.options.null_audio, "after_call_work_seconds": 10},
            "audit": {"server_url": self.server.base_url, "ca_bundle": ca, "sync_interval_seconds": 2},
            "directory": {"fhir_base_url": self.server.base_url + "/fhir", "ca_bundle": ca},
            "vault": {"idle_lock_minutes": self.options.idle_lock_minutes},
        }

    # --- calls -------------------------------------------------------------------------------------
    def _on_incoming(self, event: pev.IncomingCall) -> None:
        """SIP thread: note the time, tell the listeners (who must return at once)."""
        self.ring_times.append(time.monotonic())
        if not self.first_ring.is_set():
            self.say(f"RINGING: the first encrypted call rings at the agent "
                     f"{self.ring_times[0] - self.started_at:.1f} s after start")
            self.first_ring.set()
        else:
            self.say(f"RINGING: call {len(self.ring_times)} ({self._elapsed()})")
        for listener in list(self._ring_listeners):
            listener(event.call)

    def on_ring(self, listener: Callable[[pev.CallInfo], None]) -> None:
        """``listener(call)`` on every incoming call (on the SIP thread: hand work off at once)."""
        self._ring_listeners.append(listener)

    def begin_calls(self) -> None:
        """Start the caller's schedule; call it once whoever answers listens (:meth:`on_ring`)."""
        if self.caller is not None:
            self.caller.begin()

    def call_now(self) -> bool:
        """The banner's "Call me now": False while the caller is already on a call."""
        return self.caller.call_now() if self.caller is not None and not self._stopped.is_set() else False

    def lock_now(self) -> None:
        """The banner's "Lock now" (the policy's idle lock is whole minutes)."""
        if self.workstation is not None:
            self.workstation.lock("manual")

    def open_team_lead(self) -> TeamLeadProcess:
        """The banner's "Open team lead": a second process with its own profile
        (``<profile>-lead``) signed in as the team's lead, showing the live roster. Blocks
        for the enrolment token only; ``.ready`` is set once its window is open."""
        assert self.root is not None and self.server is not None
        if self.team_lead is not None and self.team_lead.running:
            return self.team_lead
        spec = {"policy": str(self.root / "policy.toml"), "home": str(self.root / "lead-home"),
                "profile": f"{self.profile}-lead", "password": DEMO_PASSWORD,
                "token": self.server.token("enroll", agent=LEAD_ID, team=TEAM, user_role="team_lead"),
                "sip_user": "lead", "sip_password": self._lead_sip_password}
        self.team_lead = TeamLeadProcess(spec, self.root / "team-lead.log", self.say)
        self.say(f"team lead: starting as {LEAD_ID} (profile {self.profile}-lead)")
        return self.team_lead

    # --- the auditor's view ------------------------------------------------------------------------
    def audit_trail(self, limit: int = 20) -> dict[str, Any]:
        """The server's side of the agent's trail (the banner's growing count): ``{events}``
        (the newest ``limit``), ``total`` stored for the agent's device and the server's
        ``chain`` verdict ("intact" or "broken")."""
        assert self.server is not None and self.workstation is not None
        creds = self.workstation.credentials
        with self.server.session(self.auditor_token) as s:
            resp = s.get(self.server.base_url + "/v1/audit/events", params={"limit": str(limit)}, timeout=10)
            resp.raise_for_status()
            result: dict[str, Any] = resp.json()
            if creds is not None:
                chain = s.get(self.server.base_url + "/v1/audit/verify",
                              params={"device_id": creds.device_id}, timeout=10)
                chain.raise_for_status()
                result.update(total=chain.json()["events"], chain=chain.json()["status"])
            return result

    def who_saw(self) -> dict[str, Any]:
        """"Who saw this patient?" for the demo patient, as the server answers an auditor."""
        from agent_desktop.server.who_saw import who_saw

        assert self.server is not None and self.patient is not None
        events: list[dict[str, Any]] = []
        cursor = None
        with self.server.session(self.auditor_token) as s:
            while True:
                params = {"patient": self.patient.record.id, "order": "oldest", "limit": "500"}
                if cursor:
                    params["cursor"] = cursor
                resp = s.get(self.server.base_url + "/v1/audit/events", params=params, timeout=10)
                resp.raise_for_status()
                page = resp.json()
                events += page["events"]
                cursor = page.get("next_cursor")
                if not cursor:
                    return who_saw(self.patient.record.id, events)

    # --- stop --------------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop everything and remove the folder and the demo profile's keyring entries.
        Safe to call twice and from a signal handler's aftermath."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        caller, ws, kam, server, unsubscribe = (self.caller, self.workstation, self.kamailio, self.server,
                                                self._unsubscribe)
        steps: list[tuple[str, Callable[[], object]]] = [
            ("caller", caller.stop if caller else _nothing),
            ("team lead", self.team_lead.stop if self.team_lead else _nothing),
            ("listener", unsubscribe or _nothing),
            ("workstation", ws.shutdown if ws else _nothing),
            ("keyring", lambda: keyring_sweep.sweep(self.profile)),
            ("kamailio", kam.stop if kam else _nothing),
            ("server", server.stop if server else _nothing),
        ]
        for name, step in steps:
            began = time.monotonic()
            try:
                step()
                if time.monotonic() - began > 3:
                    log.warning("demo: stopping the %s took %.1f s", name, time.monotonic() - began)
            except Exception as err:  # noqa: BLE001 - one failed step must not keep the rest
                log.error("demo: stopping the %s failed: %s", name, type(err).__name__)
                self.say(f"could not stop the {name} cleanly ({type(err).__name__}: {err})")
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
        self.say("demo stopped; its temporary folder and keyring entries are gone")

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self.started_at:.1f} s"


def _nothing() -> None:
    return None


def pick_patient(data: dict[str, list[dict[str, Any]]]) -> DemoPatient:
    """The first adult patient whose phone number is theirs alone (the screen pop finds one)."""
    phones: dict[str, int] = {}
    for p in data["Patient"]:
        for t in p.get("telecom", []):
            phones[t["value"]] = phones.get(t["value"], 0) + 1
    for p in data["Patient"]:
        numbers = [t["value"] for t in p.get("telecom", []) if t.get("system") == "phone"]
        if not numbers or phones[numbers[0]] != 1:
            continue
        related = [r for r in data["RelatedPerson"] if r["patient"]["reference"] == f"Patient/{p['id']}"]
        record = record_from_fhir(p, related, data["Consent"])
        age = record.age_on(dt.date.today())
        if age is not None and age >= 18:
            return DemoPatient(record, "+" + "".join(ch for ch in numbers[0] if ch.isdigit()))
    raise LookupError("no adult synthetic patient with a phone number of their own")
