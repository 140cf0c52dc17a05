"""The presence client (Qt-free): publishes the agent's status, raises escalations, reads the
team's roster and acknowledges escalations, over an injected ``requests.Session``.

Every call blocks on the network: the workstation calls ``publish`` from the
:class:`~agent_desktop.presence.publisher.PresencePublisher` thread and the team-lead view
runs ``roster``/``acknowledge`` off the GUI thread. Failures are :class:`PresenceError`
(refused, malformed) or :class:`PresenceUnavailable` (network, timeout, 5xx) with a message
a person can act on; a status is checked with the server's own rules before it is sent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests

from agent_desktop.audit.credentials import DeviceCredentials
from agent_desktop.presence import rules
from agent_desktop.presence.roster import (
    Escalation,
    PresenceError,
    PresenceUnavailable,
    Roster,
    parse_escalation,
    parse_roster,
)
from agent_desktop.presence.states import AgentStatus, Presence

REQUEST_TIMEOUT_SECONDS = (5.0, 10.0)  # connect, read
_REENROL = "This workstation's token is unknown or revoked; ask IT to enrol it again."


@dataclass(frozen=True)
class Published:
    """The server's answer to a status report."""

    state: Presence
    since: float
    escalation: Escalation | None  # the escalation the status carried, with its acknowledgement


class PresenceClient:
    def __init__(self, base_url: str, session: requests.Session, *, token: str, agent_id: str = "",
                 team: str = "", timeout: tuple[float, float] = REQUEST_TIMEOUT_SECONDS) -> None:
        if not base_url:
            raise PresenceError("no audit server configured",
                                "Set audit.server_url in the policy; presence goes to the audit server.")
        if session.verify is False:
            raise PresenceError("TLS verification is off for the presence session",
                                "Use a CA bundle (audit.ca_bundle) instead of turning verification off.")
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.agent_id = agent_id
        self.team = team
        self.timeout = timeout
        self._auth = {"Authorization": f"Bearer {token}"}

    @classmethod
    def for_device(cls, creds: DeviceCredentials, session: requests.Session, **kwargs: Any) -> PresenceClient:
        """A client for an enrolled workstation (its agent, team and device token)."""
        return cls(creds.server_url, session, token=creds.device_token, agent_id=creds.agent_id,
                   team=creds.team, **kwargs)

    def __repr__(self) -> str:  # the token must never reach a log or a traceback
        return f"PresenceClient(base_url={self.base_url!r}, agent_id={self.agent_id!r})"

    # --- the agent's side -------------------------------------------------------------------
    def publish(self, status: AgentStatus) -> Published:
        """Report the agent's status (also the heartbeat that keeps it off "offline")."""
        problem = rules.status_problem(status.state.value, status.reason, status.aor, status.escalation or None)
        if problem:
            raise PresenceError(f"this status cannot be published: {problem}")
        body = self._json("PUT", f"/v1/agents/{self._agent()}/state", "status report", json=status.as_json())
        try:
            state = Presence(body["state"])
            since = float(body["since"])
        except (KeyError, TypeError, ValueError):
            raise PresenceError("the server's status report answer is malformed",
                                "Check that audit.server_url points at an Agent Desktop server.") from None
        raw = body.get("escalation")
        return Published(state, since, None if raw is None else parse_escalation(raw, self.agent_id))

    def escalate(self, kind: str, raised_at: float | None = None) -> Escalation:
        """Ask the team lead for help; repeating it with the same ``raised_at`` stores it once."""
        problem = rules.escalation_problem(kind)
        if problem:
            raise PresenceError(f"this escalation cannot be raised: {problem}")
        body = self._json("POST", f"/v1/agents/{self._agent()}/escalations", "escalation",
                          json={"kind": kind, "raised_at": raised_at if raised_at is not None else time.time()})
        return parse_escalation(body, self.agent_id)

    def sign_out(self, timeout: tuple[float, float] | None = None) -> None:
        """Show the agent offline at once (instead of after the server's timeout)."""
        self._json("DELETE", f"/v1/agents/{self._agent()}/state", "sign-out", timeout=timeout)

    # --- the team lead's side ---------------------------------------------------------------
    def roster(self, team: str | None = None) -> Roster:
        team = self._team(team)
        read_at = time.monotonic()
        body = self._json("GET", f"/v1/teams/{team}/agents", "roster")
        return parse_roster(body, read_at=read_at)

    def acknowledge(self, escalation_id: str, team: str | None = None) -> Escalation:
        body = self._json("POST", f"/v1/teams/{self._team(team)}/escalations/{escalation_id}/ack",
                          "acknowledgement")
        return parse_escalation(body)

    def monitor_grant(self, agent: str, mode: str) -> dict[str, Any]:
        """The server's signed, single-use grant to monitor ``agent`` (own team only):
        ``{"token", "grant": {sup, agent, mode, exp, nonce}, "public_key"}``."""
        body = self._json("POST", "/v1/monitor/tokens", "monitoring grant",
                          json={"agent": agent, "mode": mode})
        if not isinstance(body.get("token"), str) or not isinstance(body.get("grant"), dict):
            raise PresenceError("the server's monitoring grant answer is malformed",
                                "Check that audit.server_url points at an Agent Desktop server.")
        return body

    # --- plumbing -----------------------------------------------------------------------------
    def _agent(self) -> str:
        if not self.agent_id:
            raise PresenceError("this workstation has no agent id", "Enrol the workstation for an agent.")
        return self.agent_id

    def _team(self, team: str | None) -> str:
        team = team or self.team
        if not team:
            raise PresenceError("no team to show", "Enrol the team lead's workstation with a team.")
        return team

    def _json(self, method: str, path: str, what: str, **kwargs: Any) -> dict[str, Any]:
        response = self._request(method, path, what, **kwargs)
        try:
            body = response.json()
        except ValueError:
            raise PresenceError(f"the server's {what} answer is not JSON",
                                "Check that audit.server_url points at an Agent Desktop server.") from None
        if not isinstance(body, dict):
            raise PresenceError(f"the server's {what} answer is not a JSON object",
                                "Check that audit.server_url points at an Agent Desktop server.")
        return body

    def _request(self, method: str, path: str, what: str, timeout: tuple[float, float] | None = None,
                 **kwargs: Any) -> requests.Response:
        timeout = timeout or self.timeout
        try:
            response = self.session.request(method, self.base_url + path, timeout=timeout,
                                            headers=self._auth, **kwargs)
        except requests.exceptions.SSLError:
            raise PresenceUnavailable("the audit server's TLS certificate is not trusted",
                                      "Check audit.ca_bundle in the policy.") from None
        except requests.Timeout:
            raise PresenceUnavailable(f"the audit server did not answer the {what} within "
                                      f"{timeout[1]:.0f} s", "It will be tried again.") from None
        except requests.RequestException as err:
            raise PresenceUnavailable(f"the audit server cannot be reached for the {what} "
                                      f"({type(err).__name__})", "Check the network; it will be tried again.") from None
        status = response.status_code
        if status >= 500:
            raise PresenceUnavailable(f"the audit server failed the {what} (HTTP {status})",
                                      "It will be tried again; tell IT if it persists.")
        if status == 401:
            raise PresenceError(f"the audit server refused the {what} (HTTP 401)", _REENROL)
        if status == 403:
            raise PresenceError(f"the audit server refused the {what} (HTTP 403: {_message(response)})",
                                "This workstation's role or team does not allow it.")
        if status != 200:
            raise PresenceError(f"the audit server refused the {what} (HTTP {status}: {_message(response)})")
        return response


def _message(response: requests.Response) -> str:
    """The server's own short explanation (its text, never ours with values in it)."""
    try:
        body = response.json()
        text = str(body.get("message") or body.get("error") or "") if isinstance(body, dict) else ""
    except ValueError:
        text = ""
    return text[:200] or "no details"
