"""A whole workstation on real components: Kamailio over TLS, the reference audit server
with its FHIR store of synthetic patients, gnome-keyring, and pjsua2 caller peers.

``WorkstationEnv`` writes the policy, makes enrolment tokens and builds
:class:`~agent_desktop.app.Workstation` objects (fast KDF, null audio, a 600 Hz tone as the
agent's microphone). The patient caller registers under the synthetic patient's own phone
number, so the screen pop finds them by the calling number as in production.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import keyring
import keyring.errors
import pytest

from agent_desktop.app import Workstation
from agent_desktop.audit.credentials import SERVICE_PREFIX
from agent_desktop.bus import EventBus
from agent_desktop.demo.certs import TestPKI
from agent_desktop.demo.kamailio import DEFAULT_USERS, Kamailio
from agent_desktop.demo.sip_peer import PeerProcess, write_tone
from agent_desktop.paths import AppPaths
from agent_desktop.policy import load_settings
from agent_desktop.vault.device_secret import SERVICE
from agent_desktop.vault.keyring_backend import secure_backend
from agent_desktop.verify.record import PatientRecord
from tests.support.directory_env import TODAY, DirectoryServer, start_directory_server
from tests.support.vault_env import FAST_KDF

E = TypeVar("E")
PASSWORD = "correct horse battery staple 42"
AGENT_TONE_HZ = 600.0
PATIENT_SIP_PASSWORD = "patient-pw-1"


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-10:]


def adult_with_phone(record: PatientRecord) -> bool:
    p = record.person
    return ((record.age_on(TODAY) or 0) >= 18 and bool(p.phone and p.zip and p.member_id)
            and not record.representatives)


def shared_number(directory: DirectoryServer) -> str:
    """The digits of a phone number that two or more synthetic patients have on file."""
    seen: dict[str, int] = {}
    for patient in directory.data()["Patient"]:
        for telecom in patient.get("telecom", []):
            if telecom.get("system") == "phone":
                key = digits(telecom["value"])
                seen[key] = seen.get(key, 0) + 1
    return next(number for number, count in seen.items() if count >= 2)


class Events:
    """Every event of the given types published on a bus, with a condition wait."""

    def __init__(self, bus: EventBus, *types: type) -> None:
        self._cond = threading.Condition()
        self.seen: list[Any] = []
        self._bus = bus
        self._subs = [bus.subscribe(t, self._on) for t in types]

    def _on(self, event: Any) -> None:
        with self._cond:
            self.seen.append(event)
            self._cond.notify_all()

    def wait(self, kind: type[E], pred: Callable[[E], bool] = lambda e: True, timeout: float = 20.0) -> E:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self.seen:
                    if isinstance(e, kind) and pred(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {kind.__name__} within {timeout:.0f}s; "
                                         f"last: {[type(x).__name__ for x in self.seen[-8:]]}")
                self._cond.wait(min(left, 0.2))

    def of(self, kind: type[E]) -> list[E]:
        with self._cond:
            return [e for e in self.seen if isinstance(e, kind)]

    def clear(self) -> None:
        with self._cond:
            self.seen.clear()

    def close(self) -> None:
        for s in self._subs:
            self._bus.unsubscribe(s)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def wait_until(pred: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout:.0f}s")
        time.sleep(0.02)


@dataclass
class WorkstationEnv:
    root: Path
    pki: TestPKI
    kamailio: Kamailio
    directory: DirectoryServer
    patient: PatientRecord
    tone: Path
    logs: Path
    household: str = ""  # a number several synthetic patients share (a household)
    made: list[Workstation] = field(default_factory=list)
    peers: list[PeerProcess] = field(default_factory=list)

    @property
    def server(self) -> Any:
        return self.directory.server

    def policy(self, home: Path, **extra: Any) -> Path:
        s = self.server
        values: dict[str, Any] = {
            "sip.registrar": self.kamailio.registrar, "sip.ca_bundle": str(self.pki.ca_file),
            "sip.null_audio": True, "sip.after_call_work_seconds": 3,
            "sip.quality_interval_seconds": 1,
            "audit.server_url": s.base_url, "audit.ca_bundle": str(s.ca_file),
            "audit.sync_interval_seconds": 1, "audit.max_backoff_seconds": 5,
            "directory.fhir_base_url": self.directory.fhir_base, "directory.ca_bundle": str(s.ca_file),
            "directory.timeout_seconds": 3,
        }
        values.update(extra)
        sections: dict[str, list[str]] = {}
        for name, value in values.items():
            section, key = name.split(".", 1)
            sections.setdefault(section, []).append(f"{key} = {_toml(value)}")
        path = home / "policy.toml"
        home.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"[{sec}]\n" + "\n".join(lines) + "\n" for sec, lines in sections.items()))
        return path

    def workstation(self, profile: str | None = None, *, monotonic: Callable[[], float] | None = None,
                    microphone: Path | None = None, **policy: Any) -> Workstation:
        """``microphone``: a WAV looped as the agent's microphone (the 600 Hz tone unless given)."""
        profile = profile or "agent-" + uuid.uuid4().hex[:8]
        home = self.root / profile
        paths = AppPaths(home / "data", home / "config", home / "logs")
        settings = load_settings(paths, policy_file=self.policy(home, **policy))
        ws = Workstation(paths, settings, profile=profile, kdf=FAST_KDF,
                         monotonic=monotonic or time.monotonic, idle_poll_seconds=0.1,
                         phone_options={"capture_file": microphone or self.tone})
        self.made.append(ws)
        return ws

    def enrolment_token(self, agent: str = "agent-shift", team: str = "blue") -> str:
        return str(self.server.token("enroll", agent=agent, team=team))

    def caller(self, user: str | None = None, srtp: str = "mandatory") -> PeerProcess:
        """A pjsua2 caller registered as the synthetic patient's number (or ``user``)."""
        user = user or digits(self.patient.person.phone or "")
        peer = PeerProcess(f"caller-{user}-{len(self.peers)}", self.logs)
        self.peers.append(peer)
        password = self.kamailio.users[user]
        peer.start(self.kamailio.registrar, user, password, self.pki.ca_file, srtp=srtp)
        return peer

    def agent_uri(self) -> str:
        return self.kamailio.uri("agent")

    def end_test(self) -> None:
        """Shut down every workstation made so far. Runs after each test (tests/conftest.py):
        a phone left running by a failed test would otherwise refuse the next test's phone
        (pjsua2 allows one Endpoint per process)."""
        for ws in self.made:
            try:
                ws.shutdown()  # a no-op for one already stopped
            except Exception as err:  # noqa: BLE001 - teardown reaches every workstation
                print(f"workstation {ws.profile} shutdown at teardown failed: {err}")

    def cleanup(self) -> None:
        self.end_test()
        for ws in self.made:
            for service, user in ((SERVICE, f"vault-device-secret:{ws.profile}"),
                                  (SERVICE, f"vault-locked-log-head:{ws.profile}"),
                                  (SERVICE_PREFIX + ws.profile, "device")):
                try:
                    secure_backend().delete_password(service, user)
                except keyring.errors.PasswordDeleteError:
                    continue
        for peer in self.peers:
            peer.close()


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture
def private_temp(tmp_path: Path) -> Iterator[Path]:
    """This test's temporary files go to a folder of its own, to be searched afterwards."""
    import tempfile

    folder = tmp_path / "tmp"
    folder.mkdir()
    before = tempfile.tempdir
    tempfile.tempdir = str(folder)
    yield folder
    tempfile.tempdir = before


@pytest.fixture(scope="module")
def workstation_env(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[WorkstationEnv]:
    directory = start_directory_server(tmp_path_factory.mktemp("ws-directory"), pki)
    patient = directory.record(adult_with_phone)
    household = shared_number(directory)
    users = dict(DEFAULT_USERS)
    users[digits(patient.person.phone or "")] = PATIENT_SIP_PASSWORD
    users[household] = PATIENT_SIP_PASSWORD
    kam = Kamailio(tmp_path_factory.mktemp("ws-kamailio"), pki, users=users).start()
    root = tmp_path_factory.mktemp("ws")
    tone = write_tone(root / "agent-600.wav", AGENT_TONE_HZ)
    env = WorkstationEnv(root, pki, kam, directory, patient, tone, tmp_path_factory.mktemp("ws-peers"),
                         household)
    try:
        yield env
    finally:
        env.cleanup()
        kam.stop()
        for s in directory.sessions:
            s.close()
        directory.server.stop()
