"""One real audit server over HTTPS for presence tests, with a short offline timeout.

    from tests.support.presence_env import presence_server, team  # noqa: F401 (in a conftest.py)

``presence_server`` is module-scoped; each test's ``team`` is a new team on it, so tests
share the server process but never each other's agents. ``team.enroll(name, role)`` enrols a
device and returns its PresenceClient; every answer any of them gets is kept in
``team.answers`` for PHI searches; ``team.lead_source(client)`` is what the team-lead view
reads (the Workstation's ``team_roster``/``acknowledge_escalation``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from agent_desktop.demo.certs import TestPKI
from agent_desktop.presence.client import PresenceClient
from agent_desktop.presence.roster import Escalation, Roster
from tests.support.audit_server import AuditServer, start_audit_server

OFFLINE_AFTER = 3.0  # seconds without a report before the roster says offline
_teams = itertools.count(1)


@pytest.fixture(scope="module")
def presence_server(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[AuditServer]:
    server = start_audit_server(tmp_path_factory.mktemp("presence-server"), pki=pki,
                                extra_args=["--presence-timeout", str(OFFLINE_AFTER)])
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Team:
    """A team on the real server: enrolled devices and a PresenceClient per member."""

    server: AuditServer
    name: str
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: list[requests.Session] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # every response body, searched for PHI

    def id(self, name: str) -> str:
        """Agent ids are unique per team: tests share one server."""
        return f"{self.name}-{name}"

    def enroll(self, name: str, role: str = "agent") -> PresenceClient:
        enrolment = self.server.enroll(self.id(name), team=self.name, user_role=role)
        self.devices[name] = enrolment
        return self.client(enrolment["device_token"], self.id(name))

    def client(self, token: str, agent: str = "") -> PresenceClient:
        session = self.server.session()
        session.hooks["response"].append(lambda r, *a, **k: self.answers.append(r.text))
        self.sessions.append(session)
        return PresenceClient(self.server.base_url, session, token=token, agent_id=agent, team=self.name)

    def revoke(self, name: str) -> None:
        admin = self.server.session(self.server.token("admin"))
        admin.post(self.server.url(f"/v1/devices/{self.devices[name]['device_id']}/revoke"),
                   json={"reason": "test"}, timeout=10).raise_for_status()


class LeadSource:
    """The two Workstation methods the team-lead view calls, over a lead's PresenceClient."""

    def __init__(self, client: PresenceClient) -> None:
        self.client = client

    def team_roster(self) -> Roster:
        return self.client.roster()

    def acknowledge_escalation(self, escalation_id: str) -> Escalation:
        return self.client.acknowledge(escalation_id)


@pytest.fixture
def team(presence_server: AuditServer) -> Iterator[Team]:
    team = Team(presence_server, f"team-{next(_teams)}")
    yield team
    for session in team.sessions:
        session.close()
