"""The workstation's link to the server's roster: publishes the agent's status (on every
change and as a heartbeat) and serves the team-lead view's roster and acknowledgements.

Built by the workstation once the device is enrolled and the vault unlocked; the status
tracker hands it every change (``update`` never blocks, so the SIP thread may call it).
When a lead acknowledges the agent's escalation, the next heartbeat's answer says so: the
link publishes :class:`EscalationAcknowledged` and clears the escalation from the status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests

from agent_desktop.audit.credentials import DeviceCredentials
from agent_desktop.bus import EventBus
from agent_desktop.presence.client import PresenceClient, Published
from agent_desktop.presence.publisher import PresencePublisher
from agent_desktop.presence.roster import Escalation, PresenceError, Roster
from agent_desktop.presence.states import AgentStatus

from .events import EscalationAcknowledged, PresenceProblem

log = logging.getLogger(__name__)


class PresenceLink:
    def __init__(self, creds: DeviceCredentials, settings: Any, bus: EventBus, session: requests.Session,
                 *, clear_escalation: Callable[[], None] | None = None) -> None:
        # the audit server's CA: presence goes to the same server as the audit trail
        session.verify = str(settings.get("audit.ca_bundle") or "") or True
        url = str(settings.get("audit.server_url") or "") or creds.server_url
        self.client = PresenceClient(url, session, token=creds.device_token, agent_id=creds.agent_id,
                                     team=creds.team)
        self.bus = bus
        self._clear_escalation = clear_escalation
        self._acknowledged: set[str] = set()
        self.publisher = PresencePublisher.for_settings(self.client, settings, on_published=self._published,
                                                        on_error=self._failed)
        self._failing = False

    def start(self, status: AgentStatus) -> None:
        self.publisher.update(status)
        self.publisher.start()

    def update(self, status: AgentStatus) -> None:
        """The status tracker's sink: hand the status to the publisher's thread."""
        self.publisher.update(status)

    def stop(self, *, sign_out: bool = True) -> None:
        self.publisher.stop(sign_out=sign_out)

    # --- the team lead's side (blocking: the GUI runs these through the op runner) --------
    def roster(self) -> Roster:
        return self.client.roster()

    def acknowledge(self, escalation_id: str) -> Escalation:
        return self.client.acknowledge(escalation_id)

    # --- the publisher's thread ---------------------------------------------------------------
    def _published(self, result: Published) -> None:
        if self._failing:
            self._failing = False
            self.bus.publish(PresenceProblem(""))
        esc = result.escalation
        if esc is None or not esc.acknowledged or esc.id in self._acknowledged:
            return
        self._acknowledged.add(esc.id)
        self.bus.publish(EscalationAcknowledged(esc.kind, esc.acknowledged_by or "", esc.acknowledged_at or 0.0))
        if self._clear_escalation is not None:
            self._clear_escalation()

    def _failed(self, err: PresenceError) -> None:
        if not self._failing:
            self._failing = True
            self.bus.publish(PresenceProblem(str(err)))
